from keepwise.cli import main

main()
