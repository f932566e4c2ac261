import Testing
import Taxonomy

@Suite struct TaxonomyTests {
    @Test func bundledTaxonomyHasEveryCodeOfTheDesign() throws {
        let taxonomy = try Taxonomy.bundled()
        let codes = taxonomy.services.map(\.code)
        #expect(codes == [
            "CFC-KG", "CFC-PLAY", "CFC-SCHOOL", "CFC-TRANSPORT", "CFC-OTHER",
            "ROAD", "LIGHT", "WASTE", "GREEN", "TRAFFIC", "TRANSIT", "BUILD", "WATER", "ANIMAL", "NOISE", "OCCUPY", "OTHER",
        ])
        #expect(taxonomy.childFriendlyServices.map(\.code) == ["CFC-KG", "CFC-PLAY", "CFC-SCHOOL", "CFC-TRANSPORT", "CFC-OTHER"])
    }

    @Test func childFriendlyCodesGoToTheUnitsTheCouncilNamed() throws {
        let taxonomy = try Taxonomy.bundled()
        #expect(taxonomy.service("CFC-KG")?.unit == "social-affairs")
        #expect(taxonomy.service("CFC-OTHER")?.unit == "social-affairs")
        #expect(taxonomy.service("CFC-PLAY")?.unit == "parks")
        #expect(taxonomy.service("CFC-SCHOOL")?.unit == "traffic")
        #expect(taxonomy.service("CFC-TRANSPORT")?.unit == "transit")
    }

    @Test func deadlinesShortenWithPriority() throws {
        for service in try Taxonomy.bundled().services {
            #expect(service.deadlineHours.p0 < service.deadlineHours.p1, "\(service.code)")
            #expect(service.deadlineHours.p1 < service.deadlineHours.p2, "\(service.code)")
            #expect(!service.name.fa.isEmpty && !service.name.en.isEmpty, "\(service.code)")
        }
    }

    @Test func listAttributesDecodeWithTheirValues() throws {
        let play = try #require(try Taxonomy.bundled().service("CFC-PLAY"))
        let equipment = try #require(play.attribute("equipment"))
        #expect(equipment.datatype == .singlevaluelist)
        #expect(equipment.values.map(\.key).contains("swing"))
        #expect(equipment.values.first?.name.text(for: "en-US") == "Swing")
        #expect(equipment.values.first?.name.text(for: nil) == "تاب")
    }

    @Test func duplicateCodesAreRefusedNamingTheCode() {
        let yaml = """
        version: 1
        groups: [{ code: general, name: { fa: "x", en: "x" } }]
        services:
          - { code: OTHER, group: general, name: { fa: a, en: a }, description: { fa: a, en: a }, keywords: [], phrases: [], unit: triage, deadline_hours: { P0: 1, P1: 2, P2: 3 }, attributes: [] }
          - { code: OTHER, group: general, name: { fa: a, en: a }, description: { fa: a, en: a }, keywords: [], phrases: [], unit: triage, deadline_hours: { P0: 1, P1: 2, P2: 3 }, attributes: [] }
        """
        #expect(throws: TaxonomyError(code: .duplicateServiceCode, message: "service code OTHER appears twice")) {
            try Taxonomy.parse(yaml: yaml)
        }
    }

    @Test func unknownGroupAndMissingFallbackAreRefused() {
        let unknownGroup = """
        version: 1
        groups: [{ code: general, name: { fa: "x", en: "x" } }]
        services:
          - { code: OTHER, group: nope, name: { fa: a, en: a }, description: { fa: a, en: a }, keywords: [], phrases: [], unit: triage, deadline_hours: { P0: 1, P1: 2, P2: 3 }, attributes: [] }
        """
        #expect { try Taxonomy.parse(yaml: unknownGroup) } throws: { ($0 as? TaxonomyError)?.code == .unknownGroup }
        let noFallback = """
        version: 1
        groups: [{ code: general, name: { fa: "x", en: "x" } }]
        services: []
        """
        #expect { try Taxonomy.parse(yaml: noFallback) } throws: { ($0 as? TaxonomyError)?.code == .missingFallback }
        #expect { try Taxonomy.parse(yaml: "services: [") } throws: { ($0 as? TaxonomyError)?.code == .malformed }
    }
}
