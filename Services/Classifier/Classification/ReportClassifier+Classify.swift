import Foundation
import Taxonomy

extension ReportClassifier {
    /// Scores of one report before the decision: what `classify` and the evaluation read.
    struct Scores {
        /// Probability of each code (tempered softmax of the code head).
        var codes: [Double]
        /// Probability that it is a child report.
        var child: Double
        /// Probability of P0, P1, P2 from the priority model.
        var priorities: [Double]
        /// Raw scores of every column.
        var raw: [Double]
        /// The distinct features the model knows: row, where it came from, weight (scaled to unit length).
        var used: [(row: Int32, source: FeatureExtractor.Source, value: Double)]
        /// The terms found.
        var matches: [TermMatcher.Match]
        /// The normalised report (for the evidence's text).
        var report: NormalizedReport
    }

    /// Classifies one description; `channelServiceCode` is the code the channel chose, if any.
    public func classify(_ description: String, channelServiceCode: String? = nil) -> ClassifierDecision {
        let scores = score(description)
        let channel = channelServiceCode.flatMap { taxonomy.service($0) != nil ? $0 : nil }
        var evidence: [String] = []

        guard scores.report.wordCount > 0 else {
            return ClassifierDecision(
                serviceCode: channel ?? Taxonomy.fallbackCode, channelServiceCode: channelServiceCode,
                childFriendly: channel.map { taxonomy.service($0)!.isChildFriendly } ?? false,
                priority: .p1, confidence: 0, childProbability: 0, evidence: ["the description has no words"],
                triage: true, triageReason: "empty description", modelVersion: modelVersion,
                modelServiceCode: Taxonomy.fallbackCode)
        }

        // Stage 1: child report or not — only when a child or a child place is named at all. Stage 2: the
        // code within that group.
        let anchored = scores.matches.contains { match in
            switch roles[match.term] {
            case .childWord: return true
            case .keyword(let code), .phrase(let code): return isChildCode[code]
            case .danger: return false
            }
        }
        let child = anchored && scores.child >= thresholds.child
        var best = -1
        var groupSum = 0.0
        for index in codes.indices where isChildCode[index] == child {
            groupSum += scores.codes[index]
            if best < 0 || scores.codes[index] > scores.codes[best] { best = index }
        }
        let withinGroup = groupSum > 0 ? scores.codes[best] / groupSum : 0
        let groupProbability = child ? scores.child : 1 - scores.child
        var confidence = withinGroup * groupProbability
        evidence.append("child-friendly probability \(Self.format(scores.child))" + (anchored ? "" : " (no child or child place named)"))
        evidence += ruleEvidence(scores)
        evidence += gramEvidence(scores, best: best)

        var code = codes[best]
        var triageReason: String?
        if withinGroup < thresholds.lowConfidence {
            code = codes[child ? childFallbackIndex : fallbackIndex]
            triageReason = "low confidence (\(Self.format(withinGroup)) for \(codes[best]))"
        } else if confidence < thresholds.lowConfidence {
            // Sure of the code within its group, unsure of the group: the child flag is lenient on purpose
            // (recall first), so a person confirms it; and a report that reads like a child report but names
            // no child or child place is shown to a person rather than silently kept general.
            triageReason = child
                ? "unsure it is a child report (\(Self.format(scores.child))); \(code) if it is"
                : "reads like a child report (\(Self.format(scores.child))) but names no child or child place"
        }
        if let channel {
            let channelIsChild = taxonomy.service(channel)!.isChildFriendly
            if triageReason != nil {
                // The model has no firm opinion: the channel's choice stands, unless the model sees a child
                // report the channel did not (the committee must not miss it).
                if child && !channelIsChild {
                    triageReason = "the channel chose \(channel) but the report looks like a child report"
                } else {
                    code = channel
                    confidence = scores.codes[codes.firstIndex(of: channel)!]
                    triageReason = nil
                    evidence.append("the channel's code \(channel) kept: the model is unsure")
                }
            } else if channel != code, confidence >= thresholds.disagreement {
                triageReason = "the channel chose \(channel), the model \(code) (\(Self.format(confidence)))"
            } else if channel != code {
                evidence.append("the channel's code \(channel) kept: the model's \(code) is not confident (\(Self.format(confidence)))")
                code = channel
            }
        }
        let (priority, priorityEvidence) = decidePriority(scores)
        evidence += priorityEvidence
        return ClassifierDecision(
            serviceCode: code, channelServiceCode: channelServiceCode,
            childFriendly: taxonomy.service(code)?.isChildFriendly ?? child,
            priority: priority, confidence: (confidence * 1000).rounded() / 1000,
            childProbability: (scores.child * 1000).rounded() / 1000,
            evidence: evidence, triage: triageReason != nil, triageReason: triageReason,
            modelVersion: modelVersion, modelServiceCode: codes[best])
    }

    /// The model's scores for one description.
    func score(_ description: String) -> Scores {
        let report = NormalizedReport(description)
        let matches = matcher.matches(in: report)
        // Each distinct feature once; the vector has unit length over all of them, known or not, as in training.
        let bound = extractor.upperBound(report) + codes.count
        var hashes: [UInt64] = []
        var found: [(source: FeatureExtractor.Source, value: Double)] = []
        hashes.reserveCapacity(bound)
        found.reserveCapacity(bound)
        var squaredNorm = 0.0
        Self.forEachFeature(of: report, keywordCodes: Self.keywordCodes(matches, roles), extractor: extractor) { hash, source, value in
            squaredNorm += value * value
            hashes.append(hash)
            found.append((source, value))
        }
        // Rows first, in one pass, then the weights: the table lookups and the weight rows are the memory
        // misses that dominate, and a tight loop of independent loads lets the processor overlap them.
        let rows = tables.rows.rows(of: hashes)
        let scale = squaredNorm > 0 ? 1 / squaredNorm.squareRoot() : 0
        var used: [(row: Int32, source: FeatureExtractor.Source, value: Double)] = []
        used.reserveCapacity(hashes.count)
        for index in rows.indices where rows[index] >= 0 {
            used.append((rows[index], found[index].source, found[index].value * scale))
        }
        // Sums in Float, as the weights are stored (a few hundred terms: the rounding is far below what a
        // decision can see), so the loop needs no conversion per weight.
        let columns = tables.columns
        var sums = [Float](repeating: 0, count: columns)
        sums.withUnsafeMutableBufferPointer { sums in
            tables.weights.withUnsafeBufferPointer { weights in
                for feature in used {
                    let weight = Float(feature.value)
                    let base = Int(feature.row) * columns
                    for column in 0..<columns { sums[column] += weight * weights[base + column] }
                }
            }
        }
        var raw = tables.biases
        for column in 0..<columns { raw[column] += Double(sums[column]) }
        for match in matches {
            if case .phrase(let code) = roles[match.term] { raw[code] += options.phraseBoost }
        }
        let temperature = thresholds.temperature
        let codeProbabilities = Self.softmax(raw, tables.headOffsets[Self.codeHead], codes.count, temperature)
        let childModel = Self.softmax(raw, tables.headOffsets[Self.childHead], 2, temperature)[1]
        let codeModel = codes.indices.reduce(0.0) { isChildCode[$1] ? $0 + codeProbabilities[$1] : $0 }
        let child: Double = switch thresholds.childSource {
        case .codeModel: codeModel
        case .childModel: childModel
        case .both: (codeModel + childModel) / 2
        }
        let priorities = Self.softmax(raw, tables.headOffsets[Self.priorityHead], Priority.allCases.count, temperature)
        return Scores(codes: codeProbabilities, child: child, priorities: priorities, raw: raw, used: used,
                      matches: matches, report: report)
    }

    /// Two decimals, for evidence and triage reasons.
    /// (Hand-rolled: `String(format:)` costs microseconds on Linux, more than a classification's arithmetic.)
    static func format(_ value: Double) -> String {
        let hundredths = Int((abs(value) * 100).rounded())
        let fraction = hundredths % 100
        return (value < 0 ? "-" : "") + "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    static func softmax(_ raw: [Double], _ offset: Int, _ count: Int, _ temperature: Double) -> [Double] {
        var top = -Double.infinity
        for index in offset..<(offset + count) { top = max(top, raw[index]) }
        var values = (offset..<(offset + count)).map { exp((raw[$0] - top) / temperature) }
        let sum = values.reduce(0, +)
        for index in values.indices { values[index] /= sum }
        return values
    }

    /// P0 when a danger rule matches or the priority model is sure of P0; otherwise the likelier of P1 and P2.
    func decidePriority(_ scores: Scores) -> (Priority, [String]) {
        // The few danger terms found: (rule, group, term), first match of each group kept.
        var found: [(rule: Int, group: Int, term: Int)] = []
        for match in scores.matches {
            if case .danger(let rule, let group) = roles[match.term], !found.contains(where: { $0.rule == rule && $0.group == group }) {
                found.append((rule, group, match.term))
            }
        }
        var evidence: [String] = []
        var checked: [Int] = []
        for hit in found where !checked.contains(hit.rule) {
            checked.append(hit.rule)
            let groups = dangerRules[hit.rule].groups.count
            let terms = (0..<groups).compactMap { group in found.first { $0.rule == hit.rule && $0.group == group }?.term }
            guard terms.count == groups else { continue }
            let text = terms.map { "«\(matcher.patterns[$0].text)»" }.joined(separator: " + ")
            evidence.append("danger rule \(dangerRules[hit.rule].name): \(text) → P0")
        }
        if !evidence.isEmpty { return (.p0, evidence) }
        let probabilities = scores.priorities
        if probabilities[0] >= thresholds.p0 {
            return (.p0, ["priority model: P0 \(Self.format(probabilities[0]))"])
        }
        let priority: Priority = probabilities[1] >= probabilities[2] ? .p1 : .p2
        return (priority, ["priority model: \(priority.rawValue) \(Self.format(max(probabilities[1], probabilities[2])))"])
    }

    /// The phrases and keywords that matched, each once, with the code they point at.
    func ruleEvidence(_ scores: Scores) -> [String] {
        var lines: [String] = []
        for match in scores.matches {
            let line: String
            switch roles[match.term] {
            case .phrase(let code): line = "phrase «\(matcher.patterns[match.term].text)» → \(codes[code])"
            case .keyword(let code): line = "keyword «\(matcher.patterns[match.term].text)» → \(codes[code])"
            case .danger, .childWord: continue
            }
            if !lines.contains(line) { lines.append(line) }
        }
        return Array(lines.prefix(8))
    }

    /// The text features that favoured the decided code most over its strongest rival.
    func gramEvidence(_ scores: Scores, best: Int) -> [String] {
        var rival = -1
        for index in codes.indices where index != best {
            if rival < 0 || scores.codes[index] > scores.codes[rival] { rival = index }
        }
        guard rival >= 0 else { return [] }
        let columns = tables.columns
        // The top four by value, kept in a small sorted list (no sort of every feature); text only for
        // those shown (building a string per feature would cost more than the classification itself).
        let shown = 4
        var top: [(index: Int, value: Double)] = []
        top.reserveCapacity(shown + 1)
        tables.weights.withUnsafeBufferPointer { weights in
            for (index, feature) in scores.used.enumerated() {
                if case .keyword = feature.source { continue }
                let base = Int(feature.row) * columns
                let value = feature.value * Double(weights[base + best] - weights[base + rival])
                guard value > 0, top.count < shown || value > top[top.count - 1].value else { continue }
                let position = top.firstIndex { value > $0.value } ?? top.count
                top.insert((index, value), at: position)
                if top.count > shown { top.removeLast() }
            }
        }
        var lines: [String] = []
        for contribution in top {
            let text: String
            switch scores.used[contribution.index].source {
            case .gram(let start, let end): text = "n-gram «\(scores.report.text(Int(start), Int(end)))»"
            case .word(let start, let end): text = "word «\(scores.report.text(Int(start), Int(end)))»"
            case .keyword: continue
            }
            lines.append("\(text) favours \(codes[best]) over \(codes[rival]) (+\(Self.format(contribution.value)))")
        }
        return lines
    }
}
