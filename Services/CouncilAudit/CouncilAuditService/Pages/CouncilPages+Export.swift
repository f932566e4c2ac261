import Foundation
import Hummingbird
import WebPages

extension CouncilPages {
    /// The API's CSV exports for a signed-in council member, with the session instead of the API key (the
    /// key is for programs and is never handed to a browser): `GET /dashboard/export/summary.csv`,
    /// `GET /dashboard/export/reports.csv` (the API's filter parameters, the same bytes as
    /// `/api/v1/council/…csv`) and `GET /dashboard/reports/{id}/timeline.csv`.
    func addExportRoutes(to router: Router<CouncilRequestContext>) {
        router.get("/dashboard/export/summary.csv") { request, context in
            await asCouncil(request, context) { _ in
                let summary = try await queries.summary(try ReportFilter(parameters: CouncilAPI.parameters(request).filter { $0.key != "lang" }))
                return CouncilAPI.csv(CouncilCSV.summary(summary), name: "council-summary.csv")
            }
        }
        router.get("/dashboard/export/reports.csv") { request, context in
            await asCouncil(request, context) { _ in
                let page = try await queries.reports(try ReportFilter(parameters: CouncilAPI.parameters(request).filter { $0.key != "lang" }))
                return CouncilAPI.csv(CouncilCSV.reports(page), name: "council-reports.csv")
            }
        }
        router.get("/dashboard/reports/{id}/timeline.csv") { request, context in
            await asCouncil(request, context) { staff in
                guard let reportID = try await lookUpReport(context.parameters.get("id") ?? ""),
                      let entries = try await queries.timeline(reportID: reportID) else {
                    return messagePage(staff.language.pick("گزارش پیدا نشد", "Report not found"),
                                       staff.language.pick("دفتر ممیزی گزارشی با این شناسه ندارد.", "The audit log holds no report with this id."),
                                       language: staff.language, path: request.uri.path, status: .notFound, staff: staff)
                }
                return CouncilAPI.csv(CouncilCSV.timeline(entries), name: "council-timeline.csv")
            }
        }
    }
}
