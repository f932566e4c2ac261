@testable import Persistence
import Testing

@Suite("SQL script splitting and checksums")
struct SQLScriptTests {
    @Test("splits on top-level semicolons only")
    func splitsStatements() {
        let sql = """
            -- header comment; not a statement
            CREATE TABLE a (t text DEFAULT 'x;y', "we;ird" int);
            /* block; /* nested; */ still comment */
            INSERT INTO a (t) VALUES ('it''s; fine'), (E'back\\'slash;');
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT $1::int
            ;
            -- trailing comment only
            """
        let statements = SQLScript.statements(in: sql)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix("CREATE TABLE a (t text DEFAULT 'x;y', \"we;ird\" int)"))
        #expect(statements[1].contains("'it''s; fine'"))
        #expect(statements[1].hasSuffix("(E'back\\'slash;')"))
        #expect(statements[2].hasSuffix("$body$ BEGIN RETURN 1; END; $body$"))
        #expect(statements[3] == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[4] == "SELECT $1::int")
    }

    @Test("an empty or comment-only script has no statements")
    func emptyScripts() {
        #expect(SQLScript.statements(in: "").isEmpty)
        #expect(SQLScript.statements(in: "  ;\n; -- nothing\n/* at all */").isEmpty)
    }

    @Test("a migration's checksum is the lower-case hex SHA-256 of its text")
    func checksum() {
        #expect(Migration(version: 1, name: "empty", sql: "").checksum == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Migration(version: 1, name: "abc", sql: "abc").checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
