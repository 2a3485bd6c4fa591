from povsim.cli import main

main()
