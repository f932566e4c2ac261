import Foundation

/// What a load-generator run found: the numbers of the table and of the final `RESULT` line, and the
/// exit status they imply.
struct LoadgenResult: Sendable {
    /// Reports intake accepted (each with a tracking code).
    var accepted = 0
    /// Accepted reports per channel.
    var acceptedByChannel: [LoadgenChannel: Int] = [:]
    /// Submissions intake refused (4xx, AMQP `rejected`).
    var rejected = 0
    /// Submissions never accepted before the give-up deadline.
    var gaveUp = 0
    /// Accepted reports that needed more than one send (the same key again after a fault).
    var retried = 0
    /// Reasons of refusals and give-ups (first few).
    var reasons: [String] = []
    /// Accepted reports whose delivery reached their unit's queue.
    var delivered = 0
    /// Accepted reports missing from their unit's queue, plus child reports whose council copy is missing.
    var lost = 0
    /// Of `lost`: reports no unit received.
    var lostUnit = 0
    /// Deliveries to units beyond the first under other message ids (what units would see twice).
    var duplicatesUnits = 0
    /// Message ids delivered more than once to the loadgen's consumers (redeliveries).
    var duplicatesWire = 0
    /// Delivered reports the pipeline treated as child reports (a council copy is due).
    var councilExpected = 0
    /// Of those, the ones whose council copy arrived.
    var councilDelivered = 0
    /// Generated as child reports (a `CFC-*` text).
    var childGenerated = 0
    /// Delivered reports whose decided service code differs from the text's label.
    var otherCode = 0
    /// Accepted reports lacking their `report.received` or `report.routed` audit entry.
    var auditMissing = 0
    /// Accepted reports with more than one `report.received` or `report.routed` entry.
    var auditDuplicates = 0
    /// Latency from intake's `received_at` to the first unit-queue arrival, per delivered report, in ms.
    var latencies: [Double] = []
    /// Latency from when each report was due to be sent (its slot in the open loop's schedule) to the
    /// first unit-queue arrival, in ms: includes waiting at intake, so a stall is not hidden.
    var latenciesFromDue: [Double] = []
    /// Seconds reports were submitted.
    var loadSeconds = 0.0
    /// Seconds from the start of the load until the last unit delivery (0 without verification).
    var endToEndSeconds = 0.0
    /// Seconds spent waiting for stragglers after the load.
    var drainSeconds = 0.0
    /// Whether the unit queues and the audit log were checked.
    var verified = false
    /// CPU seconds this process (the load generator itself) used during the run.
    var generatorCPUSeconds = 0.0
    /// Some tracking codes of lost reports, for a look in the logs.
    var lostExamples: [String] = []

    /// Accepted reports a second during the load.
    var acceptedPerSecond: Double { Double(accepted) / max(loadSeconds, 1e-9) }

    /// Reports a second through the whole pipeline: delivered ÷ (first submission → last unit delivery);
    /// without verification, accepted ÷ load time.
    var throughputPerSecond: Double {
        verified ? Double(delivered) / max(endToEndSeconds, 1e-9) : acceptedPerSecond
    }

    /// The latency at quantile `q` (0…1), in milliseconds; NaN when nothing was delivered.
    func percentile(_ q: Double) -> Double {
        Self.percentile(q, of: latencies)
    }

    /// The value at quantile `q` (0…1) of `values`; NaN when empty.
    static func percentile(_ q: Double, of values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
    }

    /// 0 when nothing was lost, duplicated for a unit, missing from or doubled in the audit log (and no
    /// realistic report was refused); 1 otherwise.
    var exitStatus: Int32 {
        lost == 0 && duplicatesUnits == 0 && auditMissing == 0 && auditDuplicates == 0 && rejected == 0 && gaveUp == 0 ? 0 : 1
    }

    /// The machine-readable last line.
    var resultLine: String {
        "RESULT accepted=\(accepted) delivered=\(delivered) lost=\(lost) duplicates_units=\(duplicatesUnits) "
            + "duplicates_wire=\(duplicatesWire) council_expected=\(councilExpected) council_delivered=\(councilDelivered) "
            + "audit_missing=\(auditMissing) audit_duplicates=\(auditDuplicates) "
            + "p50_ms=\(Self.number(percentile(0.5))) p95_ms=\(Self.number(percentile(0.95))) p99_ms=\(Self.number(percentile(0.99))) "
            + "throughput_per_s=\(Self.number(throughputPerSecond))"
    }

    /// The human table.
    var table: String {
        var rows: [(String, String)] = []
        let channels = LoadgenChannel.allCases.compactMap { channel in acceptedByChannel[channel].map { "\(channel.rawValue) \($0)" } }
        rows.append(("accepted", "\(accepted)  (\(channels.joined(separator: ", ")))"))
        rows.append(("accepted/s during the load", String(format: "%.1f over %.1f s", acceptedPerSecond, loadSeconds)))
        rows.append(("refused / gave up / needed a resend", "\(rejected) / \(gaveUp) / \(retried)"))
        for reason in reasons { rows.append(("  reason", reason)) }
        if verified {
            rows.append(("delivered to the unit queue", "\(delivered)"))
            rows.append(("lost (no unit / no council copy)", "\(lost)  (\(lostUnit) / \(lost - lostUnit))"))
            if !lostExamples.isEmpty { rows.append(("  lost tracking codes (first)", lostExamples.joined(separator: " "))) }
            rows.append(("duplicates visible to units", "\(duplicatesUnits)"))
            rows.append(("duplicates on the wire (redeliveries)", "\(duplicatesWire)"))
            rows.append(("child reports: generated / routed as child", "\(childGenerated) / \(councilExpected)"))
            rows.append(("council copies delivered", "\(councilDelivered) of \(councilExpected)"))
            rows.append(("decided code ≠ text's label", "\(otherCode)"))
            rows.append(("audit log: missing / duplicated", "\(auditMissing) / \(auditDuplicates)"))
            rows.append(("latency received_at → unit queue",
                "p50 \(Self.number(percentile(0.5))) ms   p95 \(Self.number(percentile(0.95))) ms   "
                    + "p99 \(Self.number(percentile(0.99))) ms   max \(Self.number(latencies.max() ?? .nan)) ms"))
            let due = { (q: Double) in Self.number(Self.percentile(q, of: latenciesFromDue)) }
            rows.append(("latency due to be sent → unit queue", "p50 \(due(0.5)) ms   p95 \(due(0.95)) ms   p99 \(due(0.99)) ms"))
            rows.append(("end-to-end throughput", String(format: "%.1f reports/s (delivered ÷ %.1f s to the last delivery)", throughputPerSecond, endToEndSeconds)))
            rows.append(("drain after the load", String(format: "%.1f s", drainSeconds)))
        } else {
            rows.append(("verification", "skipped (--no-verify)"))
        }
        rows.append(("load generator CPU (this process)", String(
            format: "%.2f s (%.0f µs per accepted report)", generatorCPUSeconds, 1e6 * generatorCPUSeconds / Double(max(accepted, 1)))))
        return rows.map { name, value in name.padding(toLength: 44, withPad: " ", startingAt: 0) + value }.joined(separator: "\n")
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f", value) : "nan"
    }
}
