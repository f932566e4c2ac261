import Persistence
import ServiceHosting
import Synchronization
import Testing

/// The shared group commit: items waiting together are written in one batch, each caller gets its own
/// outcome, a failed batch fails every caller in it, a caller that gives up early leaves nothing written,
/// and after shutdown items are refused.
@Suite("Group commit") struct GroupCommitTests {
    struct Refused: Error, Equatable {}
    struct Broken: Error, Equatable {}

    /// Records every batch written; the outcome of an item is its double.
    final class Store: Sendable {
        let batches = Mutex<[[Int]]>([])
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let failing = Mutex(false)

        func write(_ items: [Int]) async throws -> [Int] {
            batches.withLock { $0.append(items) }
            if failing.withLock({ $0 }) { throw Broken() }
            return items.map { $0 * 2 }
        }
    }

    private func running<T: Sendable>(_ commit: GroupCommit<Int, Int>, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await commit.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    @Test("concurrent items share batches and each gets its own outcome")
    func batches() async throws {
        let store = Store()
        let commit = GroupCommit<Int, Int>(writers: 1, maxBatch: 64, stoppedError: { Refused() }, write: store.write)
        let outcomes = try await running(commit) {
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for item in 1...200 { group.addTask { (item, try await commit.submit(item)) } }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.value == $0.key * 2 })
        let batches = store.batches.withLock { $0 }
        #expect(batches.flatMap { $0 }.sorted() == Array(1...200), "every item written exactly once")
        #expect(batches.count < 200, "items that waited together were written together")
        #expect(batches.allSatisfy { $0.count <= 64 })
    }

    @Test("a lone item is written at once; while load arrives a writer lingers before a batch that is not full, so an item handed in meanwhile shares it; without linger each goes alone", arguments: [true, false])
    func linger(lingering: Bool) async throws {
        let store = Store()
        let commit = GroupCommit<Int, Int>(
            writers: 1, maxBatch: 64, linger: lingering ? .milliseconds(300) : .zero, stoppedError: { Refused() },
            write: { items in
                // The first batch takes a while, so that 2 and 3 wait for it together.
                if items == [1] { try await Task.sleep(for: .milliseconds(150)) }
                return try await store.write(items)
            })
        try await running(commit) { () async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await commit.submit(1) }
                try await Task.sleep(for: .milliseconds(50))
                group.addTask { _ = try await commit.submit(2) }
                group.addTask { _ = try await commit.submit(3) }
                try await group.waitForAll()
            }
            // Had the lone first item lingered, 2 and 3 would have joined it: [[1, 2, 3]].
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await commit.submit(4) }
                try await Task.sleep(for: .milliseconds(60))
                group.addTask { _ = try await commit.submit(5) }
                try await group.waitForAll()
            }
        }
        let batches = store.batches.withLock { $0 }
        #expect(batches == (lingering ? [[1], [2, 3], [4, 5]] : [[1], [2, 3], [4], [5]]))
    }

    @Test("a batch that fails fails every caller in it; the next batch is written again")
    func failures() async throws {
        let store = Store()
        store.failing.withLock { $0 = true }
        let commit = GroupCommit<Int, Int>(writers: 1, maxBatch: 8, stoppedError: { Refused() }, write: store.write)
        try await running(commit) { () async throws in
            await #expect(throws: Broken.self) { try await commit.submit(1) }
            store.failing.withLock { $0 = false }
            #expect(try await commit.submit(2) == 4)
        }
    }

    @Test("after shutdown began, items are refused with the stage's error")
    func refusedAfterStop() async throws {
        let store = Store()
        let commit = GroupCommit<Int, Int>(writers: 2, maxBatch: 8, stoppedError: { Refused() }, write: store.write)
        let run = Task { try await commit.run() }
        #expect(try await commit.submit(3) == 6)
        run.cancel()
        try await run.value
        await #expect(throws: Refused.self) { try await commit.submit(4) }
        #expect(store.batches.withLock { $0 } == [[3]])
    }

    @Test("a caller cancelled before its item was taken leaves nothing written")
    func cancelledBeforeTaken() async throws {
        let store = Store()
        // No writer runs yet: the item can only wait.
        let commit = GroupCommit<Int, Int>(writers: 1, maxBatch: 8, stoppedError: { Refused() }, write: store.write)
        let caller = Task { try await commit.submit(5) }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        try await running(commit) { () async throws in
            #expect(try await commit.submit(6) == 12)
        }
        #expect(store.batches.withLock { $0 }.flatMap { $0 } == [6])
    }
}
