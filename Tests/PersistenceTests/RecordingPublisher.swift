import Messaging

/// An in-test `MessagePublishing` that records every message it is given and answers as told: the relay's
/// failure paths and the count of publishes per event, which a broker cannot show a test.
actor RecordingPublisher: MessagePublishing {
    /// How to answer the next publishes.
    enum Mode: Sendable {
        /// Confirm every message.
        case confirm
        /// Fail every message with this error.
        case fail(AMQPError)
        /// Fail the messages with these ids, confirm the others.
        case failIDs(Set<String>, AMQPError)
    }

    private var mode: Mode
    private var delay: Duration?
    private var gate: (started: AsyncStream<Void>.Continuation, release: AsyncStream<Void>)?
    /// Every message given to `publish`, in order, confirmed or not.
    private(set) var attemptedMessages: [OutgoingMessage] = []
    /// Every message id given to `publish`, in order, confirmed or not.
    var attempted: [String] { attemptedMessages.map(\.messageID) }
    /// The ids of the messages this publisher confirmed, in order.
    private(set) var confirmed: [String] = []
    /// How many `publish` calls arrived.
    private(set) var calls = 0

    /// A publisher answering as `mode`, after `delay` per call when given.
    init(_ mode: Mode = .confirm, delay: Duration? = nil) {
        self.mode = mode
        self.delay = delay
    }

    /// Changes how the next publishes are answered.
    func setMode(_ mode: Mode) { self.mode = mode }

    /// Makes the next `publish` call signal `started` and wait for `release` before it answers.
    func holdNextPublish(started: AsyncStream<Void>.Continuation, release: AsyncStream<Void>) {
        gate = (started, release)
    }

    /// Records `messages` and answers per the mode.
    func publish(_ messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>] {
        calls += 1
        attemptedMessages.append(contentsOf: messages)
        if let gate {
            self.gate = nil
            gate.started.yield()
            for await _ in gate.release { break }
        }
        if let delay { try? await Task.sleep(for: delay) }
        return messages.map { message in
            switch mode {
            case .confirm:
                confirmed.append(message.messageID)
                return .success(())
            case .fail(let error):
                return .failure(error)
            case .failIDs(let ids, let error):
                if ids.contains(message.messageID) { return .failure(error) }
                confirmed.append(message.messageID)
                return .success(())
            }
        }
    }
}
