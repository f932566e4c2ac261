import AdminCommands

/// The `open137` admin tool.
@main
enum Open137Main {
    static func main() async {
        // `open137 loadgen` exits 2 on usage errors (ArgumentParser's own code is 64): scripts tell a
        // misconfigured run from a failed one.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == LoadgenCommand.configuration.commandName {
            await LoadgenCommand.main(loadgenArguments: Array(arguments.dropFirst()))
        }
        await Open137Command.main(nil)
    }
}
