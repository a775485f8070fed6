import KehuCommands

await Kehu.main()
