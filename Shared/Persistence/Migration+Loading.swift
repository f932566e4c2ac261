import Foundation

extension Migration {
    /// Loads every `NNNN_name.sql` file of `directory`, sorted by version.
    ///
    /// Other files (a README, `.keep`) are ignored; a `.sql` file whose name does not match `NNNN_name.sql`
    /// (four or more digits, then `_` and `[a-z0-9_]+`) and two files with the same version are errors, so a
    /// typo cannot silently skip a migration.
    public static func load(from directory: URL) throws(PersistenceError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PersistenceError(.invalidMigration, "cannot list migrations directory \(directory.lastPathComponent): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for fileName in names where fileName.hasSuffix(".sql") {
            guard let (version, name) = parse(fileName: fileName) else {
                throw PersistenceError(.invalidMigration, "migration file \(fileName) is not named NNNN_name.sql")
            }
            let sql: String
            do {
                sql = try String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8)
            } catch {
                throw PersistenceError(.invalidMigration, "cannot read migration \(fileName) as UTF-8: \(error.localizedDescription)")
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return try sorted(migrations)
    }

    /// Loads the migrations a target ships as a resource folder, e.g.
    /// `try Migration.load(bundle: Bundle.module)` for a target declared with `resources: [.copy("Migrations")]`.
    public static func load(bundle: Bundle, subdirectory: String = "Migrations") throws(PersistenceError) -> [Migration] {
        guard let resources = bundle.resourceURL else {
            throw PersistenceError(.invalidMigration, "bundle \(bundle.bundleURL.lastPathComponent) has no resources")
        }
        let directory = resources.appendingPathComponent(subdirectory, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PersistenceError(.invalidMigration, "bundle \(bundle.bundleURL.lastPathComponent) has no \(subdirectory) folder")
        }
        return try load(from: directory)
    }

    /// The persistence library's own migrations (the outbox and inbox tables), which `Migrator` applies to
    /// every schema before the service's migrations.
    public static func persistenceTrack() throws(PersistenceError) -> [Migration] {
        try load(bundle: Bundle.module)
    }

    /// Sorts by version and rejects duplicate versions and versions outside `1...Int32.max`.
    static func sorted(_ migrations: [Migration]) throws(PersistenceError) -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.version == b.version {
            throw PersistenceError(.invalidMigration, "migrations \(a) and \(b) share version \(a.version)")
        }
        if let bad = sorted.first(where: { $0.version <= 0 || $0.version > Int(Int32.max) }) {
            throw PersistenceError(.invalidMigration, "migration \(bad) has a version outside 1...\(Int32.max)")
        }
        return sorted
    }

    /// `0012_add_index.sql` → (12, "add_index").
    static func parse(fileName: String) -> (Int, String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(digits) else { return nil }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else { return nil }
        return (version, String(name))
    }
}
