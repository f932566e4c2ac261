/// The ways `open137-load loadgen` submits reports: intake's native HTTP API, its Open311 GeoReport v2 POST,
/// and an AMQP channel publishing to `open137.intake`.
enum LoadgenChannel: String, Sendable, Hashable, CaseIterable, Comparable {
    case http, open311, amqp

    /// Parses `http,open311,amqp` (any subset, in any order); nil when a name is unknown or the list empty.
    static func parseList(_ text: String) -> [LoadgenChannel]? {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let channels = names.compactMap(LoadgenChannel.init(rawValue:))
        guard !channels.isEmpty, channels.count == names.count else { return nil }
        return Array(Set(channels)).sorted()
    }

    static func < (lhs: LoadgenChannel, rhs: LoadgenChannel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
