"""``keepwise serve`` (the team app) and ``keepwise user add``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from keepwise.cli.app import app, console, friendly

user_app = typer.Typer(help="Manage the people who log in to the team app.", no_args_is_help=True)
app.add_typer(user_app, name="user")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="App-state database, e.g. postgresql+psycopg://user@host/db "
        "(default: the web.database_url setting, else W/app.sqlite).",
        envvar="KEEPWISE_DATABASE_URL",
        show_envvar=True,
    ),
]


@app.command()
@friendly
def serve(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    database_url: DatabaseUrl = None,
    secure_cookies: Annotated[
        bool, typer.Option(help="Send cookies only over HTTPS (behind a TLS proxy).")
    ] = False,
) -> None:
    """Run the team web app: dashboard, customers, incidents, complaints, surveys, decisions."""
    import uvicorn

    from keepwise.web.app import AppConfig, create_app

    web = create_app(
        AppConfig(workspace=workspace, database_url=database_url, secure_cookies=secure_cookies)
    )
    console.print(f"keepwise serving {workspace} on http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(web, host=host, port=port, log_level="info", access_log=False)


@user_app.command("add")
@friendly
def user_add(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their login).")],
    role: Annotated[str, typer.Option(help="admin, manager or staff.")] = "staff",
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user; the password is read from standard input (prompted on a terminal)."""
    from keepwise.application.users import add_user
    from keepwise.storage.appdb import open_appdb
    from keepwise.storage.workspace import Workspace

    ws = Workspace.open(workspace)
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    db = open_appdb(ws, database_url)
    try:
        with db.session() as session:
            add_user(session, email=email, password=password, role=role, actor="cli")
    finally:
        db.dispose()
    console.print(f"Added {email} as {role}.")
