import AdminCommands

/// The `open137` admin tool.
@main
enum Open137Main {
    static func main() async {
        await Open137Command.main(nil)
    }
}
