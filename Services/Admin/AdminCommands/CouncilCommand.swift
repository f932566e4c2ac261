import ArgumentParser
import CouncilAuditService
import Foundation
import PostgresNIO
import ServiceHosting
import Stages
import Taxonomy

/// `open137 council …`: the committee's reports.
public struct CouncilCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "council", abstract: "The child-friendly-city committee's reports.", subcommands: [CouncilReportCommand.self])
    public init() {}
}

/// `open137 council report --quarter 1404-Q3`: the quarterly State of the City's Children report, as
/// Markdown and CSV, over the child reports received in that Jalali quarter.
public struct CouncilReportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write the quarterly State of the City's Children report (Markdown and CSV; reads DATABASE_URL).")
    @Option(help: "The Jalali quarter, e.g. 1404-Q3.") var quarter: String
    @Option(help: "The folder the files are written to.") var output = "."
    @Option(help: "The schema of the council audit.") var schema = CouncilAuditStage.schema
    public init() {}

    public func validate() throws {
        guard let period = JalaliPeriod(quarter), period.label.contains("-Q") else {
            throw ValidationError("--quarter must be a Jalali quarter such as 1404-Q3")
        }
    }

    public func run() async throws {
        var environment = EnvironmentConfig()
        let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
        try environment.validate()
        let period = JalaliPeriod(quarter)!
        let logger = ToolLogging.logger("council")
        let client = PostgresClient(configuration: StageRuntime.clientConfiguration(database.clientConfiguration, schema: schema), backgroundLogger: logger)
        let taxonomy = try Taxonomy.bundled()
        var filter = ReportFilter()
        filter.childFriendly = true
        filter.from = period.start
        filter.to = period.end
        let summary = try await withThrowingTaskGroup(of: CouncilSummary?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await CouncilQueries(client: client, taxonomy: taxonomy, logger: logger).summary(filter)
        }
        let base = URL(fileURLWithPath: output).appendingPathComponent("state-of-the-citys-children-\(period.label)")
        try Self.markdown(summary, period: period, taxonomy: taxonomy).write(to: base.appendingPathExtension("md"), atomically: true, encoding: .utf8)
        try CouncilCSV.summary(summary).write(to: base.appendingPathExtension("csv"), atomically: true, encoding: .utf8)
        print("wrote \(base.path).md and .csv (\(summary.reports) child reports, \(period))")
    }

    /// The Markdown report.
    static func markdown(_ s: CouncilSummary, period: JalaliPeriod, taxonomy: Taxonomy) -> String {
        func hours(_ value: Double?) -> String { value.map { String(format: "%.1f h", $0) } ?? "—" }
        var md = "# State of the City's Children — \(period.label)\n\n"
        md += "گزارش فصلی وضعیت کودکان شهر — \(period.first) تا \(period.last)\n\n"
        md += "Child-friendly reports received \(period.first) … \(period.last) (Tehran time): **\(s.reports)**.\n\n"
        md += "## By service\n\n| code | name | reports |\n|---|---|---|\n"
        var byCode: [String: Int] = [:]
        for cell in s.byCodeDistrictMonth { byCode[cell.serviceCode, default: 0] += cell.count }
        for (code, count) in byCode.sorted(by: { $0.key < $1.key }) {
            md += "| \(code) | \(taxonomy.service(code)?.name.fa ?? "—") | \(count) |\n"
        }
        md += "\n## By district and month\n\n| code | district | month | reports |\n|---|---|---|---|\n"
        for cell in s.byCodeDistrictMonth { md += "| \(cell.serviceCode) | \(cell.district) | \(cell.month) | \(cell.count) |\n" }
        md += "\n## Who reported\n\n| reporter | reports |\n|---|---|\n"
        for r in s.byReporterType { md += "| \(r.reporterType) | \(r.count) |\n" }
        md += "\n## Response times (from receipt)\n\n| to | reports | median | 90th percentile |\n|---|---|---|---|\n"
        for t in s.timings { md += "| \(t.measure.replacingOccurrences(of: "_", with: " ")) | \(t.count) | \(hours(t.medianHours)) | \(hours(t.p90Hours)) |\n" }
        md += "\n## Overdue, per unit\n\n| unit | open past deadline |\n|---|---|\n"
        for u in s.overdueByUnit { md += "| \(u.unit) | \(u.count) |\n" }
        md += String(format: "\n## Reopened\n\n%d of %d reports reopened (%.1f %%).\n", s.reopened, s.reports, s.reopenRate * 100)
        md += "\n## Bounced (referred two or more times)\n\n| tracking code | unit | referrals |\n|---|---|---|\n"
        for b in s.bounced { md += "| \(b.trackingCode ?? b.reportID) | \(b.unit ?? "—") | \(b.referralCount) |\n" }
        md += "\n## Rejected, with the unit's reason\n\n| tracking code | unit | reason |\n|---|---|---|\n"
        for r in s.rejected { md += "| \(r.trackingCode ?? r.reportID) | \(r.unit ?? "—") | \((r.reason ?? "—").replacingOccurrences(of: "|", with: "\\|")) |\n" }
        return md
    }
}
