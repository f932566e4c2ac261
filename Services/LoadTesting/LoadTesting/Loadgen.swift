import AsyncHTTPClient
import Classification
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import Synchronization
import Taxonomy

/// One `open137-load loadgen` run: offers the load over the chosen channels, then (unless told not to)
/// waits for every accepted report at its unit's queue — and the council's, for child reports — and
/// checks the audit log, and returns what it found.
struct Loadgen: Sendable {
    /// What to do and where.
    let configuration: LoadgenConfiguration
    /// Where the run's own problems go (never report contents).
    let logger: Logger

    /// Runs the load and the verification; throws only when it cannot start (a `LoadgenError`).
    func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> LoadgenResult {
        let generator = try makeGenerator()
        // Training the generator's classifier is not part of the run's cost.
        let cpuBefore = IntakeBenchCommand.processCPUSeconds()
        var amqp: AMQPConfiguration?
        if let url = configuration.amqpURL {
            do {
                amqp = try AMQPConfiguration(url: url, connectionName: "open137-loadgen")
            } catch {
                throw LoadgenError(.configuration, "AMQP_URL: \(error)")
            }
        }
        var verifier: LoadgenUnitQueueVerifier?
        var database: PostgresClient?
        if configuration.verify {
            guard let amqp else { throw LoadgenError(.configuration, "AMQP_URL is needed to verify (or pass --no-verify)") }
            guard let url = configuration.databaseURL else { throw LoadgenError(.configuration, "DATABASE_URL is needed to verify (or pass --no-verify)") }
            verifier = LoadgenUnitQueueVerifier(configuration: amqp, logger: logger)
            database = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        }
        var amqpSubmitter: LoadgenAMQPSubmitter?
        if configuration.channels.contains(.amqp) {
            guard let amqp else { throw LoadgenError(.configuration, "AMQP_URL is needed for the amqp channel") }
            amqpSubmitter = LoadgenAMQPSubmitter(configuration: amqp, logger: logger)
        }
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let submitters: [any LoadgenSubmitter] = configuration.channels.map { channel in
            if channel == .amqp, let amqpSubmitter { return amqpSubmitter }
            return LoadgenHTTPSubmitter(channel: channel, baseURL: configuration.intakeURL, apiKey: configuration.apiKey, client: http)
        }
        do {
            try await verifier?.waitUntilConnected(timeout: .seconds(10))
            try await amqpSubmitter?.waitUntilConnected(timeout: .seconds(10))
        } catch {
            try? await http.shutdown()
            throw LoadgenError(.unreachable, "the broker: \(error)")
        }
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            if let verifier { group.addTask { try await verifier.run() } }
            if let amqpSubmitter { group.addTask { try await amqpSubmitter.run() } }
            if let database { group.addTask { await database.run() } }
            defer { group.cancelAll() }
            let ledger = LoadgenLedger()
            let loadStart = Date()
            progress("loadgen: \(describe()) …")
            let loadSeconds = await offer(generator: generator, submitters: submitters, ledger: ledger)
            var result = LoadgenResult()
            var reportIDs: [String: String] = [:]
            result.loadSeconds = loadSeconds
            let contents = ledger.snapshot
            summarise(contents, generator: generator, into: &result)
            if let verifier, let database {
                progress("loadgen: \(result.accepted) accepted in \(String(format: "%.1f", loadSeconds)) s; waiting for the unit queues …")
                reportIDs = try await verify(contents.receipts, generator: generator, verifier: verifier, database: database, loadStart: loadStart, into: &result)
            }
            try writeIDs(contents.receipts, reportIDs: reportIDs)
            return result
        }
        try? await http.shutdown()
        var measured = result
        measured.generatorCPUSeconds = IntakeBenchCommand.processCPUSeconds() - cpuBefore
        return measured
    }

    // MARK: Load

    private func makeGenerator() throws(LoadgenError) -> LoadgenReportGenerator {
        do {
            return try LoadgenReportGenerator(
                taxonomy: try Taxonomy.bundled(), corpus: try LabelledCorpus.bundled(), classifier: try ReportClassifier.bundled(),
                childShare: configuration.childShare, seed: configuration.seed)
        } catch let error as LoadgenError {
            throw error
        } catch {
            throw LoadgenError(.corpus, "the taxonomy, corpus or model: \(error)")
        }
    }

    private func describe() -> String {
        let mode: String
        switch configuration.mode {
        case .rate(let rate): mode = "open loop at \(rate) reports/s"
        case .concurrency(let count): mode = "closed loop, \(count) submitters"
        }
        return "\(mode) for \(configuration.duration), channels \(configuration.channels.map(\.rawValue).joined(separator: ","))"
    }

    /// Submits for the configured time; returns the seconds of the load phase (until the last submission ended).
    private func offer(generator: LoadgenReportGenerator, submitters: [any LoadgenSubmitter], ledger: LoadgenLedger) async -> Double {
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(20)
        let end = start + configuration.duration
        // A submission keeps trying while its report could still be verified.
        let giveUpAt = end + max(configuration.giveUpAfter, configuration.drainTimeout)
        switch configuration.mode {
        case .rate(let rate):
            // The schedule, not the answers, decides when each report goes: a stall does not slow the load.
            let count = Int((rate * Self.seconds(configuration.duration)).rounded())
            let interval = Duration.nanoseconds(Int64(1e9 / rate))
            let wallStart = Date().addingTimeInterval(Self.seconds(start - clock.now))
            await withDiscardingTaskGroup { group in
                for index in 0..<count {
                    try? await Task.sleep(until: start + interval * index, clock: clock)
                    let submitter = submitters[index % submitters.count]
                    let due = wallStart.addingTimeInterval(Self.seconds(interval * index))
                    group.addTask {
                        let report = generator.report(index)
                        ledger.record(await submitter.submit(report, giveUpAt: giveUpAt), of: report, dueAt: due)
                    }
                }
            }
        case .concurrency(let workers):
            let next = LoadgenSequence()
            try? await Task.sleep(until: start, clock: clock)
            await withDiscardingTaskGroup { group in
                for _ in 0..<workers {
                    group.addTask {
                        while clock.now < end {
                            let index = next.take()
                            let submitter = submitters[index % submitters.count]
                            let report = generator.report(index)
                            let due = Date()
                            ledger.record(await submitter.submit(report, giveUpAt: giveUpAt), of: report, dueAt: due)
                        }
                    }
                }
            }
        }
        return Self.seconds(clock.now - start)
    }

    private func summarise(_ contents: LoadgenLedger.Contents, generator: LoadgenReportGenerator, into result: inout LoadgenResult) {
        result.accepted = contents.receipts.count
        result.rejected = contents.rejected
        result.gaveUp = contents.gaveUp
        result.reasons = contents.reasons
        for receipt in contents.receipts {
            result.acceptedByChannel[receipt.channel, default: 0] += 1
            if receipt.attempts > 1 { result.retried += 1 }
        }
    }

    // MARK: Verification

    private func verify(
        _ receipts: [LoadgenReceipt], generator: LoadgenReportGenerator, verifier: LoadgenUnitQueueVerifier, database: PostgresClient,
        loadStart: Date, into result: inout LoadgenResult
    ) async throws -> [String: String] {
        let clock = ContinuousClock()
        let drainStart = clock.now
        let drainDeadline = drainStart + configuration.drainTimeout
        let codes = receipts.map(\.trackingCode)
        var arrivals = verifier.arrivals(for: codes)
        while clock.now < drainDeadline, !Self.complete(codes, arrivals) {
            try? await Task.sleep(for: .milliseconds(100))
            arrivals = verifier.arrivals(for: codes)
        }
        result.drainSeconds = Self.seconds(clock.now - drainStart)
        result.verified = true

        let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var lastArrival = loadStart
        for receipt in receipts {
            guard let arrival = arrivals[receipt.trackingCode], let arrived = arrival.firstUnitArrival else {
                result.lost += 1
                result.lostUnit += 1
                if result.lostExamples.count < 5 { result.lostExamples.append(receipt.trackingCode) }
                continue
            }
            result.delivered += 1
            lastArrival = max(lastArrival, arrived)
            result.duplicatesUnits += arrival.unitDuplicates
            result.duplicatesWire += arrival.wireDuplicates
            if arrival.childFriendly {
                result.councilExpected += 1
                if arrival.councilMessages.isEmpty {
                    result.lost += 1
                    if result.lostExamples.count < 5 { result.lostExamples.append(receipt.trackingCode) }
                } else {
                    result.councilDelivered += 1
                }
            }
            if let received = try? timeFormat.parse(arrival.receivedAt) {
                result.latencies.append(max(arrived.timeIntervalSince(received), 0) * 1_000)
            }
            result.latenciesFromDue.append(max(arrived.timeIntervalSince(receipt.dueAt), 0) * 1_000)
        }
        result.endToEndSeconds = lastArrival.timeIntervalSince(loadStart)
        result.childGenerated = receipts.count(where: \.child)
        result.otherCode = receipts.count(where: { receipt in arrivals[receipt.trackingCode].map { $0.serviceCode != receipt.serviceCode } ?? false })
        return try await checkAudit(receipts, arrivals: arrivals, database: database, deadline: max(drainDeadline, clock.now + .seconds(5)), into: &result)
    }

    /// Every report at its unit, and every child report's council copy in too.
    private static func complete(_ codes: [String], _ arrivals: [String: LoadgenArrival]) -> Bool {
        codes.allSatisfy { code in
            guard let arrival = arrivals[code], arrival.firstUnitArrival != nil else { return false }
            return !arrival.childFriendly || !arrival.councilMessages.isEmpty
        }
    }

    /// Counts audit entries per report, asking again (the audit consumer lags the units) until every
    /// report has both entries or `deadline` passes. A query the database has not answered by `deadline`
    /// leaves its reports unchecked, counted as missing.
    private func checkAudit(
        _ receipts: [LoadgenReceipt], arrivals: [String: LoadgenArrival], database: PostgresClient, deadline: ContinuousClock.Instant,
        into result: inout LoadgenResult
    ) async throws -> [String: String] {
        let audit = LoadgenAuditCheck(client: database, logger: logger)
        var resolved: [String: String] = [:]
        var unknown: [String] = []
        for receipt in receipts {
            if let id = receipt.reportID ?? arrivals[receipt.trackingCode]?.reportID { resolved[receipt.trackingCode] = id } else { unknown.append(receipt.trackingCode) }
        }
        if !unknown.isEmpty {
            let found = await Self.value(before: deadline) { [unknown] in try await audit.reportIDs(trackingCodes: unknown) } ?? [:]
            resolved.merge(found) { first, _ in first }
            // A tracking code intake does not know cannot be in the audit log either.
            result.auditMissing += unknown.count - unknown.count(where: { found[$0] != nil })
        }
        let ids = Array(resolved.values)
        var missing = ids.count
        var doubled = 0
        while true {
            guard let entries = await Self.value(before: deadline, { try await audit.entries(reportIDs: ids) }) else { break }
            missing = ids.count(where: { (entries[$0]?.received ?? 0) == 0 || (entries[$0]?.routed ?? 0) == 0 })
            doubled = ids.count(where: { (entries[$0]?.received ?? 0) > 1 || (entries[$0]?.routed ?? 0) > 1 })
            if missing == 0 || ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
        result.auditMissing += missing
        result.auditDuplicates = doubled
        return resolved
    }

    /// What `operation` returns, or nil when it fails or has not returned by `deadline`: the database away
    /// at the end of a run must not hold the run past its drain. Raced outside structured concurrency
    /// (``DatabaseDeadline``), since a query postgres-nio never answers ignores cancellation.
    private static func value<T: Sendable>(
        before deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async throws -> T
    ) async -> T? {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return nil }
        return try? await DatabaseDeadline(timeout: left).run("the audit check", operation)
    }

    /// One line per accepted report: report id (`-` when unknown), tracking code, channel.
    private func writeIDs(_ receipts: [LoadgenReceipt], reportIDs: [String: String]) throws {
        guard let path = configuration.idsFile else { return }
        let lines = receipts.map { "\($0.reportID ?? reportIDs[$0.trackingCode] ?? "-")\t\($0.trackingCode)\t\($0.channel.rawValue)\n" }.joined()
        do {
            try lines.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw LoadgenError(.configuration, "cannot write --ids-file \(path): \(error)")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
