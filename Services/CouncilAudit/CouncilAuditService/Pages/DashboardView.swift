/// The dashboard's view model (`dashboard.mustache`), for the screen and for print. Nested values have
/// field names of their own: Mustache looks a missing value up in the enclosing context.
struct DashboardView {
    /// The page's heading.
    var heading: String
    /// The period in words.
    var periodName: String
    /// The previous period in words.
    var previousName: String
    /// Which reports, in words (child reports, every report …) and the other filters.
    var scopeText: String
    /// When the page was made.
    var generated: String
    /// The print version (no forms, no links that lead on).
    var printable: Bool

    /// The filter form (screen only).
    var form: FilterForm?

    var metricsHeading: String
    var measureHeader: String
    var currentHeader: String
    var previousHeader: String
    var metrics: [MetricView]

    var chartsHeading: String
    var charts: [ChartView]

    var overdueHeading: String
    var overdueEmpty: String?
    var overdueNote: String?
    var overdueGroups: [OverdueGroup]
    var codeHeader: String
    var serviceHeader: String
    var districtHeader: String
    var deadlineHeader: String
    var daysHeader: String
    var unitHeader: String
    var reasonHeader: String
    var referralsHeader: String

    var hazardsHeading: String
    var hazardsText: String
    var hazardsEmpty: String?
    var hazards: [HazardView]
    /// The cases the router raised as repeat hazards.
    var raisedText: String
    var raisedEmpty: String?
    var raised: [ListedReport]
    var whyHeader: String
    var priorityHeader: String
    var statusHeader: String
    var placeHeader: String
    var countHeader: String

    var rejectedHeading: String
    var rejectedEmpty: String?
    var rejected: [ListedReport]

    var bouncedHeading: String
    var bouncedEmpty: String?
    var bounced: [ListedReport]

    var exportsHeading: String
    var exportsText: String
    var exports: [ExportLink]

    var definitionsHeading: String
    var definitions: [String]
}

extension DashboardView {
    /// The filter form: period, which reports, district.
    struct FilterForm {
        var formLabel: String
        var periodLabel: String
        var periodGroups: [PeriodGroup]
        var childLabel: String
        var childOptions: [Choice]
        var districtLabel: String
        var districtOptions: [Choice]
        var applyLabel: String
        var previousLink: String
        var previousLabel: String
        var nextLink: String
        var nextLabel: String
        var printLink: String
        var printLabel: String
        var lookupLabel: String
        var lookupButton: String
    }

    /// A year's periods in the period select.
    struct PeriodGroup {
        var groupLabel: String
        var choices: [Choice]
    }

    /// An option of a select.
    struct Choice {
        var choiceValue: String
        var choiceLabel: String
        var selected: Bool
    }

    /// One number of the overview with the previous period's beside it.
    struct MetricView {
        /// An id for tests and the browser (`metric-received`).
        var metricID: String
        var metricLabel: String
        var metricHint: String
        var current: String
        /// The number as the API's JSON gives it (`7`, `48.00`, `0.1429`; empty when there is none).
        var machineValue: String
        var previous: String
    }

    /// A chart with its numbers in a table.
    struct ChartView {
        var chartID: String
        var chartTitle: String
        /// Inline SVG (built by ``BarChart`` from numbers and escaped names).
        var svg: String
        var legend: [LegendItem]
        /// The table: a header row and body rows.
        var corner: String
        var columns: [String]
        var rows: [TableRow]
        /// A note (e.g. why a district map is a bar chart).
        var chartNote: String?
    }

    /// A legend entry.
    struct LegendItem {
        var legendLabel: String
        var colour: String
    }

    /// A row of a chart's table.
    struct TableRow {
        var rowLabel: String
        var cells: [String]
    }

    /// The overdue reports of one unit.
    struct OverdueGroup {
        var groupUnit: String
        var groupCount: String
        var reports: [ListedReport]
    }

    /// A report in a list, linking to its timeline.
    struct ListedReport {
        var href: String
        var codeText: String
        var listService: String
        var listDistrict: String
        var listUnit: String
        var listDeadline: String
        var listDays: String
        var listReason: String
        var listReferrals: String
        /// The raised cases' list: the status and priority now.
        var listStatus = ""
        var listPriority = ""
    }

    /// A place with several reports, linking to each (the first five).
    struct HazardView {
        var place: String
        var hazardCount: String
        var subjects: String
        var hazardReports: [HazardReport]
    }

    /// A report of a place.
    struct HazardReport {
        var hazardHref: String
        var hazardCode: String
    }

    /// A CSV download.
    struct ExportLink {
        var exportHref: String
        var exportLabel: String
    }
}
