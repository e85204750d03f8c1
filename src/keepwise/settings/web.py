"""Settings of the web area (thresholds and rates, each with its justification)."""

from keepwise.settings.core import Setting

SETTINGS: list[Setting] = [
    Setting(
        "web.database_url",
        "",
        "App-state database URL; empty means the embedded SQLite file app.sqlite in the "
        "workspace, a postgresql+psycopg:// URL serves a team (KEEPWISE_DATABASE_URL overrides).",
        "DESIGN.md §2 app state",
    ),
    Setting(
        "web.session_hours",
        12,
        "A login lasts one working day, so a shared or forgotten browser does not stay signed "
        "in overnight.",
        "DESIGN.md §8 safe",
    ),
    Setting(
        "web.lockout_failures",
        5,
        "Five wrong passwords in a row lock the account: enough for typos, too few for "
        "guessing (OWASP authentication guidance).",
        "DESIGN.md §8 safe",
    ),
    Setting(
        "web.lockout_minutes",
        15,
        "A locked account opens again after 15 minutes, which stops online guessing without "
        "needing an admin for every slip.",
        "DESIGN.md §8 safe",
    ),
    Setting(
        "web.case_due_hours_apologise",
        4,
        "Step 1 of complaint recovery, apologise and admit the mistake, is due within half a "
        "working day: a complaint is a chance to win loyalty only when answered quickly.",
        "MISSION.md §3 five-step recovery",
    ),
    Setting(
        "web.case_due_hours_act_urgently",
        24,
        "Step 2, act urgently, is due within one day of the complaint.",
        "MISSION.md §3 five-step recovery",
    ),
    Setting(
        "web.case_due_hours_empathise",
        24,
        "Step 3, show empathy, belongs to the first day's contact too.",
        "MISSION.md §3 five-step recovery",
    ),
    Setting(
        "web.case_due_hours_make_amends",
        72,
        "Step 4, make amends (not necessarily money), is due within three days.",
        "MISSION.md §3 five-step recovery",
    ),
    Setting(
        "web.case_due_hours_follow_up",
        168,
        "Step 5, follow up to confirm the customer is satisfied, a week after the complaint.",
        "MISSION.md §3 five-step recovery",
    ),
    Setting(
        "web.survey_link_days",
        14,
        "Survey and exit-interview links expire after two weeks: long enough to answer, short "
        "enough that a forwarded old link stops working.",
        "MISSION.md §3 surveys and exit interviews",
    ),
    Setting(
        "web.page_size",
        50,
        "Rows per page of the customer list: one screen, and a bounded query at 1M customers.",
        "DESIGN.md §8 fast",
    ),
    Setting(
        "web.search_limit",
        10,
        "Customer type-ahead suggestions per keystroke; more than ten is not read.",
        "MISSION.md §3 a system to identify unhappy customers",
    ),
]
