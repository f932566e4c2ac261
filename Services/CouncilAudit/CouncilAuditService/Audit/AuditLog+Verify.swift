import Foundation
import Logging
import PostgresNIO

extension AuditLog {
    /// Walks the whole chain in sequence order, `pageSize` entries per query, recomputing every hash; the
    /// result names the first entry that does not verify (changed, missing, or cut off at the end). The walk
    /// reads one snapshot (a read-only repeatable-read transaction), so appends running meanwhile are not
    /// mistaken for a cut-off chain.
    public func verify(pageSize: Int = 10_000) async throws -> ChainVerification {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                var previous = Self.genesisHash
                var expected: Int64 = 1
                var entries = 0
                // One snapshot for the entries and the head: appends committing while the walk runs would
                // otherwise show a head beyond the last entry read, which is what cut-off entries look like.
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                while true {
                    let rows = try await connection.query(
                        """
                        SELECT seq, event_id, prev_hash, hash, body FROM audit_log
                        WHERE seq >= \(expected) ORDER BY seq LIMIT \(pageSize)
                        """,
                        logger: logger)
                    var read = 0
                    for try await (seq, eventID, prevHash, hash, body) in rows.decode((Int64, String, ByteBuffer, ByteBuffer, ByteBuffer).self) {
                        read += 1
                        guard seq == expected else {
                            return ChainVerification(entries: entries, firstBroken: BrokenEntry(seq: expected, eventID: nil, reason: .missing))
                        }
                        guard prevHash.readableBytesView.elementsEqual(previous) else {
                            return ChainVerification(entries: entries, firstBroken: BrokenEntry(seq: seq, eventID: eventID, reason: .previousHashMismatch))
                        }
                        let computed = Self.hash(previous: previous, body: Array(body.readableBytesView))
                        guard hash.readableBytesView.elementsEqual(computed) else {
                            return ChainVerification(entries: entries, firstBroken: BrokenEntry(seq: seq, eventID: eventID, reason: .hashMismatch))
                        }
                        previous = computed
                        expected += 1
                        entries += 1
                    }
                    if read < pageSize { break }
                }
                for try await (seq, hash) in try await connection.query("SELECT seq, hash FROM chain_head WHERE id", logger: logger)
                    .decode((Int64, ByteBuffer).self) {
                    if seq != expected - 1 || !hash.readableBytesView.elementsEqual(previous) {
                        // Entries after the last one read were cut off (or the head was moved back).
                        let at = seq >= expected ? expected : seq + 1
                        return ChainVerification(entries: entries, firstBroken: BrokenEntry(seq: at, eventID: nil, reason: .headMismatch))
                    }
                }
                return ChainVerification(entries: entries, firstBroken: nil)
            }
        } catch {
            throw AuditStoreError(.queryFailed, "verifying the audit chain failed: \(String(reflecting: error))")
        }
    }
}
