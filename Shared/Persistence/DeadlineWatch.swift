import NIOCore
import NIOPosix
import Synchronization

/// Fires the deadlines of ``DatabaseDeadline`` from one coarse tick per process instead of one timer each.
///
/// Almost every deadline is met: the operation answers in a few milliseconds and its timer is cancelled.
/// A `Task.sleep` per operation costs a dispatch timer armed on libdispatch's manager thread, a wake when
/// it is cancelled and another when it would have fired — several thread wake-ups per database operation,
/// which at 50 reports/s were a large share of a stage's CPU (`perf` counted ~57 context switches per
/// message in the classifier, a fifth of them on the timer manager thread). Here registering and
/// cancelling a deadline is a lock and a dictionary update; one repeated task on an event loop that
/// already exists checks the registered deadlines every ``resolution`` and fires those that passed. A
/// deadline therefore fires up to one resolution late, which the deadlines (seconds) allow.
public final class DeadlineWatch: Sendable {
    /// The watch of this process; its tick runs on NIO's singleton event loop group.
    public static let shared = DeadlineWatch(resolution: .milliseconds(100), on: MultiThreadedEventLoopGroup.singleton.next())

    /// A registered deadline; pass it to ``cancel(_:)`` once the operation finished.
    public struct Ticket: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct Entry {
        var due: NIODeadline
        var fire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var ticking = false
        var idleTicks = 0
    }

    /// How late a deadline may fire at most (the tick's period).
    public let resolution: TimeAmount
    private let eventLoop: any EventLoop
    private let state = Mutex(State())

    /// A watch that checks its deadlines every `resolution` on `eventLoop`.
    public init(resolution: TimeAmount, on eventLoop: any EventLoop) {
        self.resolution = resolution
        self.eventLoop = eventLoop
    }

    /// Calls `fire` once `timeout` has passed, unless the ticket is cancelled first.
    public func register(after timeout: Duration, _ fire: @escaping @Sendable () -> Void) -> Ticket {
        let due = NIODeadline.now() + TimeAmount(timeout)
        let (id, start) = state.withLock { state -> (UInt64, Bool) in
            state.nextID &+= 1
            state.entries[state.nextID] = Entry(due: due, fire: fire)
            defer { state.ticking = true }
            return (state.nextID, !state.ticking)
        }
        if start { startTicking() }
        return Ticket(id: id)
    }

    /// Forgets a deadline whose operation finished; cancelling one that fired or was cancelled does nothing.
    public func cancel(_ ticket: Ticket) {
        _ = state.withLock { $0.entries.removeValue(forKey: ticket.id) }
    }

    /// How many deadlines wait (for tests).
    public var pending: Int { state.withLock { $0.entries.count } }

    // The tick stops after this many ticks with nothing registered, so that an idle process is not woken
    // ten times a second for nothing; the next registration starts it again.
    private static let idleTicksBeforeStopping = 50

    private func startTicking() {
        eventLoop.scheduleRepeatedTask(initialDelay: resolution, delay: resolution) { [self] task in
            let now = NIODeadline.now()
            let (due, stop) = state.withLock { state -> ([@Sendable () -> Void], Bool) in
                let passed = state.entries.filter { $0.value.due <= now }
                for id in passed.keys { state.entries.removeValue(forKey: id) }
                state.idleTicks = state.entries.isEmpty ? state.idleTicks + 1 : 0
                let stop = state.idleTicks >= Self.idleTicksBeforeStopping
                if stop {
                    state.ticking = false
                    state.idleTicks = 0
                }
                return (passed.values.map(\.fire), stop)
            }
            if stop { task.cancel() }
            for fire in due { fire() }
        }
    }
}
