import KehuCommands

Kehu.main()
