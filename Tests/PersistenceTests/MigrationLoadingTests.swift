import Foundation
import Persistence
import Testing
import TestSupport

@Suite("Migration loading")
struct MigrationLoadingTests {
    /// A temporary directory with `files`, removed after `body`.
    func withDirectory<T>(_ files: [String: String], _ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("migrations"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return try body(directory)
    }

    @Test("loads NNNN_name.sql files in version order and ignores other files")
    func loadsInOrder() throws {
        let migrations = try withDirectory([
            "0010_later.sql": "SELECT 10",
            "0002_second.sql": "SELECT 2",
            "0001_first.sql": "SELECT 1",
            "README.md": "not a migration",
        ]) { try Migration.load(from: $0) }
        #expect(migrations.map(\.description) == ["0001_first", "0002_second", "0010_later"])
        #expect(migrations.map(\.version) == [1, 2, 10])
        #expect(migrations[0].sql == "SELECT 1")
        // SHA-256 of "SELECT 1".
        #expect(migrations[0].checksum == "e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5")
    }

    @Test("a misnamed .sql file or a duplicate version is an error, not a silent skip", arguments: [
        ["1_short.sql": "SELECT 1"],
        ["0001-dash.sql": "SELECT 1"],
        ["0001_Upper.sql": "SELECT 1"],
        ["0001_a.sql": "SELECT 1", "0001_b.sql": "SELECT 2"],
    ])
    func rejectsBadFiles(files: [String: String]) throws {
        let error = #expect(throws: PersistenceError.self) {
            try withDirectory(files) { try Migration.load(from: $0) }
        }
        #expect(error?.code == .invalidMigration)
    }

    @Test("a missing directory is an error")
    func missingDirectory() {
        let error = #expect(throws: PersistenceError.self) {
            try Migration.load(from: URL(fileURLWithPath: "/nonexistent/open137/migrations"))
        }
        #expect(error?.code == .invalidMigration)
    }

    @Test("the persistence track ships with the library")
    func persistenceTrack() throws {
        let track = try Migration.persistenceTrack()
        #expect(track.first?.description == "0001_outbox_inbox")
        #expect(track.first?.sql.contains("CREATE TABLE outbox") == true)
    }
}
