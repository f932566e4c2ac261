import Foundation
import Logging
import PostgresNIO

extension AuditLog {
    /// Verifies one report's entries where they sit in the chain, in one statement (one snapshot): each
    /// entry's hash is recomputed from its `prev_hash` and body, its `prev_hash` must be the stored hash of
    /// the entry before it (the genesis hash for entry 1), and the entry after it must name its hash (or,
    /// for the last entry, the chain head must). The result names the first entry that fails, in the
    /// reasons of ``verify(pageSize:)``; `entries` counts the report's entries that verified before it.
    ///
    /// This proves the report's own entries and their links to their neighbours; a change to another
    /// report's entry elsewhere in the chain is found by the whole walk (``verify(pageSize:)``), not here.
    /// Nil when the log holds no entry of the report.
    public func verify(reportID: UUID) async throws -> ChainVerification? {
        var rows: [LinkedEntry] = []
        do {
            for try await row in try await client.query(
                """
                SELECT a.seq, a.event_id, a.prev_hash, a.hash, a.body, b.hash, n.prev_hash, h.seq, h.hash
                FROM audit_log a
                LEFT JOIN audit_log b ON b.seq = a.seq - 1
                LEFT JOIN audit_log n ON n.seq = a.seq + 1
                CROSS JOIN chain_head h
                WHERE a.report_id = \(reportID) AND h.id
                ORDER BY a.seq
                """, logger: logger
            ).decode((Int64, String, ByteBuffer, ByteBuffer, ByteBuffer, ByteBuffer?, ByteBuffer?, Int64, ByteBuffer).self) {
                rows.append(LinkedEntry(seq: row.0, eventID: row.1, prevHash: Array(buffer: row.2), hash: Array(buffer: row.3), body: Array(buffer: row.4),
                                        before: row.5.map { Array(buffer: $0) }, after: row.6.map { Array(buffer: $0) },
                                        headSeq: row.7, headHash: Array(buffer: row.8)))
            }
        } catch {
            throw AuditStoreError(.queryFailed, "verifying a report's audit entries failed: \(String(reflecting: error))")
        }
        guard !rows.isEmpty else { return nil }
        var verified = 0
        for row in rows {
            if row.seq == 1 {
                guard row.prevHash == Self.genesisHash else {
                    return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq, eventID: row.eventID, reason: .previousHashMismatch))
                }
            } else {
                guard let before = row.before else {
                    return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq - 1, eventID: nil, reason: .missing))
                }
                guard before == row.prevHash else {
                    return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq, eventID: row.eventID, reason: .previousHashMismatch))
                }
            }
            guard Self.hash(previous: row.prevHash, body: row.body) == row.hash else {
                return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq, eventID: row.eventID, reason: .hashMismatch))
            }
            if let after = row.after {
                guard after == row.hash else {
                    return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq + 1, eventID: nil, reason: .previousHashMismatch))
                }
            } else if row.headSeq > row.seq {
                return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq + 1, eventID: nil, reason: .missing))
            } else if row.headSeq != row.seq || row.headHash != row.hash {
                return ChainVerification(entries: verified, firstBroken: BrokenEntry(seq: row.seq + 1, eventID: nil, reason: .headMismatch))
            }
            verified += 1
        }
        return ChainVerification(entries: verified, firstBroken: nil)
    }

    /// An entry with the hash of the entry before it, the `prev_hash` of the entry after it, and the head.
    private struct LinkedEntry {
        var seq: Int64
        var eventID: String
        var prevHash: [UInt8]
        var hash: [UInt8]
        var body: [UInt8]
        var before: [UInt8]?
        var after: [UInt8]?
        var headSeq: Int64
        var headHash: [UInt8]
    }
}
