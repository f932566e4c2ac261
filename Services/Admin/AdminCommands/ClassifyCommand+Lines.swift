import Classification
import Foundation

/// One input line of `open137 classify`.
struct ClassifyInput: Decodable {
    /// The caller's id, echoed (a string or a number).
    var id: ReportIdentifier
    /// The report's text.
    var description: String
    /// The code the channel chose, if any.
    var channelServiceCode: String?

    enum CodingKeys: String, CodingKey {
        case id, description
        case channelServiceCode = "channel_service_code"
    }
}

/// An id as callers write it: a string or a number, echoed unchanged.
enum ReportIdentifier: Codable {
    case text(String)
    case number(Int)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        }
    }
}

/// One output line of `open137 classify`.
struct ClassifyOutput: Encodable {
    var id: ReportIdentifier
    var serviceCode: String
    var childFriendly: Bool
    var priority: String
    var confidence: Double
    var evidence: [String]?
    var triage: Bool?
    var triageReason: String?

    init(id: ReportIdentifier, decision: ClassifierDecision, explain: Bool) {
        self.id = id
        serviceCode = decision.serviceCode
        childFriendly = decision.childFriendly
        priority = decision.priority.rawValue
        confidence = decision.confidence
        if explain {
            evidence = decision.evidence
            triage = decision.triage
            triageReason = decision.triageReason
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, priority, confidence, evidence, triage
        case serviceCode = "service_code", childFriendly = "child_friendly", triageReason = "triage_reason"
    }
}

/// The output line in place of an input line that could not be read.
struct ClassifyFailure: Encodable {
    /// 1-based line number.
    var line: Int
    /// What is wrong.
    var error: String
}
