import Crypto
import Foundation
import Logging
import PostgresNIO

/// The append-only, hash-chained audit log of one schema (`council_audit.audit_log`) and its projection.
///
/// Ordering across replicas: every append locks the single `chain_head` row (`FOR UPDATE`) in its
/// transaction, reads the last sequence number and hash, adds its entries after them and moves the head —
/// so appends are serialised into one chain whatever the number of replicas, and a transaction that rolls
/// back leaves neither entries nor a moved head. To be fast despite the serialisation, appends come in
/// batches (``AuditAppender``): one lock, one insert, one commit for hundreds of events.
///
/// The appending transaction runs as the role `open137_council_audit_writer`, which may insert into the log
/// but not update, delete or truncate it (and a trigger refuses those to everyone).
public struct AuditLog: Sendable {
    /// The database client, with `search_path` set to the schema.
    public let client: PostgresClient
    /// The logger.
    public let logger: Logger

    /// The role appends run as.
    public static let writerRole = "open137_council_audit_writer"
    /// `prev_hash` of the first entry.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// A log over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The entry hash: SHA-256 over the previous hash and the entry's canonical bytes.
    public static func hash(previous: [UInt8], body: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: body)
        return Array(hasher.finalize())
    }

    /// Appends `records` in one transaction, in order, with their projection; an event id already in the
    /// log (or earlier in the same batch) is a `.duplicate` and adds nothing. Returns one outcome per record.
    public func append(_ records: [AuditRecord]) async throws -> [AppendOutcome] {
        guard !records.isEmpty else { return [] }
        let ids = records.map(\.eventID)
        do {
            return try await client.withTransaction(within: .seconds(20), "appending to the audit log", logger: logger) { connection in
                // The head's lock, and the writer role for the rest of the transaction (when this login may
                // take it), in one round trip.
                var head: (seq: Int64, hash: [UInt8]) = (0, Self.genesisHash)
                for try await (seq, hash, _) in try await connection.query(
                    """
                    SELECT seq, hash, CASE WHEN pg_has_role(current_user, \(Self.writerRole), 'MEMBER')
                                           THEN set_config('role', \(Self.writerRole), true) END
                    FROM chain_head WHERE id FOR UPDATE
                    """, logger: logger
                ).decode((Int64, ByteBuffer, String?).self) {
                    head = (seq, Array(buffer: hash))
                }
                // Read after the lock: a replica that appended the same event committed before we got it.
                var present = Set<String>()
                for try await id in try await connection.query(
                    "SELECT event_id FROM audit_log WHERE event_id = ANY(\(ids))", logger: logger
                ).decode(String.self) {
                    present.insert(id)
                }
                var outcomes: [AppendOutcome] = []
                outcomes.reserveCapacity(records.count)
                var rows = EntryColumns()
                rows.reserve(records.count)
                var patches: [ReportPatch] = []
                for record in records {
                    guard present.insert(record.eventID).inserted else {
                        outcomes.append(.duplicate)
                        continue
                    }
                    let seq = head.seq + 1
                    let hash = Self.hash(previous: head.hash, body: record.body)
                    rows.append(record, seq: seq, previous: head.hash, hash: hash)
                    if var patch = record.patch {
                        patch.seq = seq
                        patches.append(patch)
                    }
                    head = (seq, hash)
                    outcomes.append(.appended(seq: seq))
                }
                guard !rows.seq.isEmpty else { return outcomes }
                // One statement for the entries and the head: columns as binary arrays (no JSON to encode or
                // parse, bytes as bytea), the head moved by the same statement.
                try await connection.query(
                    """
                    WITH appended AS (
                        INSERT INTO audit_log (seq, event_id, event_type, report_id, event_time, body, original_sha256, redacted, prev_hash, hash)
                        SELECT e.seq, e.event_id, e.event_type, NULLIF(e.report_id, '')::uuid, NULLIF(e.event_time, '')::timestamptz,
                               e.body, e.original_sha256, e.redacted, e.prev_hash, e.hash
                        FROM unnest(\(rows.seq)::bigint[], \(rows.eventID)::text[], \(rows.eventType)::text[], \(rows.reportID)::text[],
                                    \(rows.eventTime)::text[], \(rows.body)::bytea[], \(rows.originalSHA256)::bytea[],
                                    \(rows.redacted)::boolean[], \(rows.prevHash)::bytea[], \(rows.hash)::bytea[])
                             AS e(seq, event_id, event_type, report_id, event_time, body, original_sha256, redacted, prev_hash, hash)
                        RETURNING 1
                    )
                    UPDATE chain_head SET seq = \(head.seq), hash = \(ByteBuffer(bytes: head.hash)) WHERE id
                    """,
                    logger: logger)
                try await ReportProjection.apply(patches, on: connection, logger: logger)
                return outcomes
            }
        } catch let error as PostgresTransactionError {
            throw AuditStoreError(.appendFailed, "appending \(records.count) events to the audit log failed: \(String(reflecting: error.closureError ?? error.commitError ?? error.beginError ?? error))")
        }
    }

    /// The insert's rows as one array per column (`unnest` reads them; an empty string is NULL).
    private struct EntryColumns {
        var seq: [Int64] = []
        var eventID: [String] = []
        var eventType: [String] = []
        var reportID: [String] = []
        var eventTime: [String] = []
        var body: [ByteBuffer] = []
        var originalSHA256: [ByteBuffer] = []
        var redacted: [Bool] = []
        var prevHash: [ByteBuffer] = []
        var hash: [ByteBuffer] = []

        /// Room for `count` rows in the largest columns.
        mutating func reserve(_ count: Int) {
            seq.reserveCapacity(count)
            eventID.reserveCapacity(count)
            body.reserveCapacity(count)
        }

        /// One entry: `record` at `seq`, chained after `previous` with its `hash`.
        mutating func append(_ record: AuditRecord, seq: Int64, previous: [UInt8], hash: [UInt8]) {
            self.seq.append(seq)
            eventID.append(record.eventID)
            eventType.append(record.eventType)
            reportID.append(record.reportID?.uuidString.lowercased() ?? "")
            eventTime.append(record.eventTime.map(Timestamp.format) ?? "")
            body.append(ByteBuffer(bytes: record.body))
            originalSHA256.append(ByteBuffer(bytes: record.originalSHA256))
            redacted.append(record.redacted)
            prevHash.append(ByteBuffer(bytes: previous))
            self.hash.append(ByteBuffer(bytes: hash))
        }
    }
}
