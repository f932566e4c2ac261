import Classification
import Foundation
import Taxonomy
import Testing

/// The decision around the model: evidence a person can read, the channel's code kept beside the
/// decision, a confident disagreement and low confidence sent to triage, nothing guessed silently.
@Suite("Decision")
struct DecisionTests {
    @Test("the evidence names the matched terms, the danger rule and the n-grams that decided, readably")
    func evidence() throws {
        let classifier = try ClassifierFixture.classifier()
        let decision = classifier.classify("تاب زمین بازی پارک لاله شکسته و بچه‌ها هنوز سوارش میشن")
        #expect(decision.serviceCode == "CFC-PLAY")
        #expect(decision.evidence.contains("keyword «تاب» → CFC-PLAY"), "\(decision.evidence)")
        #expect(decision.evidence.contains("keyword «زمین بازی» → CFC-PLAY"))
        #expect(decision.evidence.contains { $0.hasPrefix("danger rule broken-play-equipment-in-use: «تاب» + ") })
        #expect(decision.evidence.contains { $0.hasPrefix("n-gram «") && $0.contains("favours CFC-PLAY over ") })
        #expect(decision.evidence.first == "child-friendly probability 1.00")
        for line in decision.evidence {
            #expect(!line.isEmpty && !line.contains("\u{FFFD}") && line.count < 200, "\(line)")
        }
        #expect(decision.modelVersion.hasPrefix("lr-ngram-1."))
        #expect(decision.modelVersion == classifier.modelVersion)
    }

    @Test("a confident disagreement with the channel's code is flagged for triage, both codes kept")
    func confidentDisagreement() throws {
        let decision = try ClassifierFixture.classifier().classify("تاب زمین بازی پارک لاله شکسته", channelServiceCode: "ROAD")
        #expect(decision.serviceCode == "CFC-PLAY")
        #expect(decision.channelServiceCode == "ROAD")
        #expect(decision.childFriendly)
        #expect(decision.triage)
        #expect(decision.triageReason?.contains("ROAD") == true && decision.triageReason?.contains("CFC-PLAY") == true)
        #expect(decision.confidence >= DecisionThresholds.standard.disagreement)
    }

    @Test("agreeing with the channel needs no triage")
    func agreement() throws {
        let decision = try ClassifierFixture.classifier().classify("تاب زمین بازی پارک لاله شکسته", channelServiceCode: "CFC-PLAY")
        #expect(decision.serviceCode == "CFC-PLAY")
        #expect(decision.channelServiceCode == "CFC-PLAY")
        #expect(!decision.triage)
        #expect(decision.triageReason == nil)
    }

    @Test("a code the taxonomy does not have is kept as given but not followed")
    func unknownChannelCode() throws {
        let decision = try ClassifierFixture.classifier().classify("تاب زمین بازی پارک لاله شکسته", channelServiceCode: "NOPE")
        #expect(decision.serviceCode == "CFC-PLAY")
        #expect(decision.channelServiceCode == "NOPE")
        #expect(!decision.triage)
    }

    @Test("low confidence goes to OTHER (CFC-OTHER for a child report) with triage; the model's choice is kept beside it")
    func lowConfidence() throws {
        // A strict threshold on the shipped model: a report about three things at once is below it.
        var strict = DecisionThresholds.standard
        strict.lowConfidence = 0.9
        let shipped = try ClassifierFixture.classifier()
        let classifier = shipped.with(thresholds: strict)
        #expect(classifier.modelVersion != shipped.modelVersion)

        let general = classifier.classify("چراغ پارک خاموشه و سطل زباله هم پر شده و درخت هم خشک شده")
        #expect(general.serviceCode == "OTHER")
        #expect(!general.childFriendly)
        #expect(general.triage)
        #expect(general.triageReason?.hasPrefix("low confidence") == true, "\(general.triageReason ?? "")")
        #expect(["LIGHT", "WASTE", "GREEN"].contains(general.modelServiceCode))

        let child = classifier.classify("بچه‌های مهد و مدرسه و زمین بازی محله ما همه یه مشکل دارن")
        #expect(child.serviceCode == "CFC-OTHER")
        #expect(child.childFriendly)
        #expect(child.triage)

        // With the channel's code, the channel's choice stands when the model is unsure.
        let withChannel = classifier.classify("چراغ پارک خاموشه و سطل زباله هم پر شده و درخت هم خشک شده", channelServiceCode: "LIGHT")
        #expect(withChannel.serviceCode == "LIGHT")
        #expect(!withChannel.triage)
        #expect(withChannel.evidence.contains { $0.contains("the channel's code LIGHT kept") })
    }

    @Test("a report that reads like a child report but names no child is shown to a person")
    func unanchoredChildReport() throws {
        let decision = try ClassifierFixture.classifier().classify("please look into it")
        #expect(!decision.childFriendly)
        #expect(decision.triage)
        #expect(decision.triageReason?.contains("names no child") == true)
    }

    @Test("an empty or punctuation-only description goes to OTHER with triage")
    func empty() throws {
        let classifier = try ClassifierFixture.classifier()
        for description in ["", "   ", "!!! ؟؟ ..."] {
            let decision = classifier.classify(description)
            #expect(decision.serviceCode == "OTHER")
            #expect(decision.triage)
            #expect(decision.confidence == 0)
            #expect(decision.triageReason == "empty description")
        }
    }

    @Test("the model is explainable in size: memory and features are reported")
    func size() throws {
        let classifier = try ClassifierFixture.classifier()
        #expect(classifier.trainingSize >= 600)
        #expect(classifier.featureCount > 10_000)
        #expect(classifier.memoryBytes > classifier.featureCount * 22 * 4)  // 22 float weights per feature at least
        #expect(classifier.memoryBytes < 64 << 20)
    }

    @Test("training refuses an empty corpus and a code the taxonomy does not have, naming the report")
    func trainingErrors() throws {
        let taxonomy = try Taxonomy.bundled()
        #expect(throws: ClassificationError.self) { try ReportClassifier(taxonomy: taxonomy, corpus: []) }
        do {
            _ = try ReportClassifier(taxonomy: taxonomy, corpus: [LabelledReport(id: "x-1", description: "تاب", serviceCode: "SWINGS")])
            Issue.record("trained on an unknown code")
        } catch {
            #expect(error.code == .unknownServiceCode)
            #expect(error.message.contains("x-1") && error.message.contains("SWINGS"))
        }
        do {
            _ = try LabelledCorpus.parse("{\"id\": \"a\", \"description\": \"x\", \"service_code\": \"ROAD\"}\n\nnot json\n", file: "t.jsonl")
            Issue.record("parsed a line that is not JSON")
        } catch {
            #expect(error.code == .malformedLine)
            #expect(error.message.contains("t.jsonl line 3"))
        }
    }
}
