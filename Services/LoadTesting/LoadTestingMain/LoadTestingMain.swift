import LoadTesting

/// The `open137-load` tool.
@main
enum LoadTestingMain {
    static func main() async {
        // `open137-load loadgen` exits 2 on usage errors (ArgumentParser's own code is 64): scripts tell a
        // misconfigured run from a failed one.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == LoadgenCommand.configuration.commandName {
            await LoadgenCommand.main(loadgenArguments: Array(arguments.dropFirst()))
        }
        await LoadTestingCommand.main(nil)
    }
}
