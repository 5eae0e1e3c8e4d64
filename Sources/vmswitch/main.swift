import VMSwitchCLI

VMSwitchCommand.main()
