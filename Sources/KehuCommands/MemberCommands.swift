import ArgumentParser
import Foundation
import KehuAnalytics
import KehuIngest
import KehuMembers
import KehuModel
import KehuStore

struct MemberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "Members (会员): programme, points, tiers, 招育转留赞 report.",
        discussion: """
            Set a programme first (`kehu member programme set FILE`), then run `kehu member sync` \
            after each ingest: it enrols members from member_join events, posts points for their \
            paid orders, expires points and re-evaluates tiers. docs/members.md has the rules.
            """,
        subcommands: [
            MemberProgrammeCommand.self, MemberSyncCommand.self, MemberJoinCommand.self, MemberListCommand.self,
            MemberShowCommand.self, MemberPointsCommand.self, MemberTiersCommand.self, MemberReportCommand.self,
        ])
}

/// Runs `body`, turning a ``MemberError`` into a message on stderr and exit status 1.
private func reporting<T>(_ command: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as MemberError {
        Terminal.error("kehu member \(command): \(error)")
        throw ExitCode(1)
    }
}

/// A member key from the command line: `type:value`, or a bare value meaning `member:value`;
/// phones and emails are hashed with the workspace salt, as at ingest.
private func memberKey(_ text: String, in workspace: Workspace, option: String) throws -> IdentityKey {
    let raw = text.contains(":") ? text : "member:" + text
    do {
        return try KeyHasher(salt: workspace.salt).identityKey(raw: raw)
    } catch {
        throw ValidationError("\(option): \(error)")
    }
}

struct MemberProgrammeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "programme", abstract: "Set or show the membership programme (tiers, earn rule, expiry).",
        subcommands: [SetProgramme.self, ShowProgramme.self])

    struct SetProgramme: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Check a programme file and put it in force (the file format is in docs/members.md).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The programme file.", valueName: "file")) var file: String

        func run() throws {
            try reporting("programme set") {
                let programme = try ProgrammeFile.read(path: file)
                let workspace = try global.openWorkspace()
                try MemberStore.setProgramme(programme, source: (file as NSString).lastPathComponent, in: workspace)
                print(programme.rendered(as: .table), terminator: "")
                Terminal.error("programme '\(programme.name)' is in force; `kehu member sync` applies it.")
            }
        }
    }

    struct ShowProgramme: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the programme in force.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOption

        func run() throws {
            try reporting("programme show") {
                guard let programme = try MemberStore.programme(in: try global.openWorkspace()) else { throw MemberError.noProgramme }
                emit(programme, format: output.format)
            }
        }
    }
}

struct MemberSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Enrol members from events, post points for paid orders and refunds, expire points, re-evaluate tiers.",
        discussion: "Idempotent: running it again for the same day posts nothing new.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Sync through the end of this day (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    func run() throws {
        let workspace = try global.openWorkspace()
        let progress = ProgressLine("member sync")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        let day: Day
        if let asOf {
            do { day = try Day.parse(asOf) } catch { throw ValidationError("--as-of: '\(asOf)' is not a day (YYYY-MM-DD)") }
        } else {
            guard let last = snapshot.dataDays?.last else {
                Terminal.error("kehu member sync: the workspace has no events; give --as-of to expire points and review tiers anyway.")
                throw ExitCode(1)
            }
            day = last
        }
        let summary = try reporting("sync") { try MemberSync.run(snapshot, workspace: workspace, asOf: day) { progress.update($0) } }
        progress.finish()
        emit(summary, format: output.format)
    }
}

struct MemberJoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Enrol a member by hand (e.g. from the CRM), with who referred them.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The member's key (type:value; a bare value means member:value).", valueName: "key")) var key: String
    @Option(help: ArgumentHelp("The day they joined (default: now).", valueName: "YYYY-MM-DD")) var at: String?
    @Option(help: "The channel they joined through.") var channel: String?
    @Option(help: ArgumentHelp("The member key of whoever referred them.", valueName: "key")) var referrer: String?

    func run() throws {
        let workspace = try global.openWorkspace()
        let identityKey = try memberKey(key, in: workspace, option: "KEY")
        let referrerKey = try referrer.map { try memberKey($0, in: workspace, option: "--referrer") }
        var instant = Int64(Date().timeIntervalSince1970 * 1000)
        if let at {
            do { instant = workspace.zone.start(of: try Day.parse(at)) } catch { throw ValidationError("--at: '\(at)' is not a day (YYYY-MM-DD)") }
        }
        let member = try reporting("join") {
            try MemberStore.join(key: identityKey, at: instant, channel: channel, referrer: referrerKey, in: workspace)
        }
        print("\(member.key) is a member since \(workspace.zone.day(ofUTC: member.joinedAt)), tier \(member.tier).")
    }
}

struct MemberListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List members with their tier and points.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Option(help: ArgumentHelp("Only members in this tier (its code).", valueName: "code")) var tier: String?
    @Option(help: "Show at most this many members.") var limit = 100

    func run() throws {
        try reporting("list") {
            let workspace = try global.openWorkspace()
            let programme = try MemberStore.programme(in: workspace)
            if let tier, let programme, programme.index(ofTier: tier) == nil {
                throw MemberError.invalid("--tier: the programme has no tier '\(tier)'; its tiers are \(programme.tiers.map(\.code).joined(separator: ", "))")
            }
            let members = try MemberStore.members(tier: tier, in: workspace)
            emit(MemberList(members, programme: programme, zone: workspace.zone, tier: tier, limit: max(0, limit)), format: output.format)
        }
    }
}

struct MemberShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One member: tier, benefits, points by expiry, ledger, tier history.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: ArgumentHelp("The member's key (type:value; a bare value means member:value).", valueName: "key")) var key: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let member = try memberKey(key, in: workspace, option: "KEY").description
        try reporting("show") {
            guard let detail = try MemberDetail.load(member, in: workspace) else { throw MemberError.unknownMember(member) }
            emit(detail, format: output.format)
        }
    }
}

struct MemberPointsCommand: ParsableCommand {
    enum Action: String, ExpressibleByArgument, CaseIterable { case earn, redeem, adjust }

    static let configuration = CommandConfiguration(
        commandName: "points", abstract: "Post a points operation: earn, redeem or adjust, named by an operation id.",
        discussion: """
            POINTS is a whole number: granted by earn, spent by redeem; for adjust it may carry a sign \
            (+50 or -50; write `--` before a negative number: `kehu member points adjust 1001 --op fix-7 -- -50`). \
            Posting the same --op again with the same content does nothing; with other content it \
            is refused. A redeem or negative adjust beyond the balance is refused.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: "earn, redeem or adjust.") var action: Action
    @Argument(help: ArgumentHelp("The member's key (type:value; a bare value means member:value).", valueName: "key")) var key: String
    @Argument(help: ArgumentHelp("Points (adjust: +N or -N).", valueName: "points")) var points: String
    @Option(name: .customLong("op"), help: ArgumentHelp("The operation id: unique per operation, safe to retry.", valueName: "id")) var operationID: String
    @Option(help: "Why (shown in the ledger).") var reason: String?

    func run() throws {
        let workspace = try global.openWorkspace()
        let member = try memberKey(key, in: workspace, option: "KEY").description
        guard let value = Int64(points.hasPrefix("+") ? String(points.dropFirst()) : points) else {
            throw ValidationError("POINTS: '\(points.prefix(20))' is not a whole number of points")
        }
        if action != .adjust && (value <= 0 || points.hasPrefix("+")) {
            throw ValidationError("POINTS: \(action.rawValue) takes a positive whole number without a sign (got '\(points.prefix(20))')")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let operation: PointsOperation = switch action {
        case .earn: .earn(operationID, member: member, points: value, at: now, reason: reason)
        case .redeem: .redeem(operationID, member: member, points: value, at: now, reason: reason)
        case .adjust: .adjust(operationID, member: member, points: value, at: now, reason: reason)
        }
        let result = try reporting("points \(action.rawValue)") { try PointsLedger(workspace).post(operation) }
        if output.format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        for entry in result.expired {
            print("expired \(-entry.points) points (\(entry.operationID)) first")
        }
        let entry = result.entry
        let change = (entry.points > 0 ? "+" : "") + "\(entry.points)"
        print(result.replayed
            ? "operation \(entry.operationID) was already posted (\(entry.kind.rawValue) \(change)); nothing new posted. Balance after it: \(entry.balanceAfter)."
            : "posted \(entry.kind.rawValue) \(change) for \(entry.member) (operation \(entry.operationID)); balance \(entry.balanceAfter).")
    }
}

struct MemberTiersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tiers", abstract: "Members per tier, and the points they hold.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        try reporting("tiers") {
            let workspace = try global.openWorkspace()
            guard let programme = try MemberStore.programme(in: workspace) else { throw MemberError.noProgramme }
            emit(TierCounts(try MemberStore.members(in: workspace), programme: programme), format: output.format)
        }
    }
}

struct MemberReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "招育转留赞: members recruited, nurtured, converted, retained, churned and advocating in a period.",
        discussion: "Reads the members as of the last `kehu member sync`; definitions are in docs/definitions.md (Members).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Option(help: ArgumentHelp("The first day (default: 29 days before --to).", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("The last day (default: the last day with data).", valueName: "YYYY-MM-DD")) var to: String?
    @Option(name: .customLong("lapse-days"), help: "A member lapses (沉睡) after this many days without a purchase.") var lapseDays = 180

    func validate() throws {
        guard (1...3_660).contains(lapseDays) else { throw ValidationError("--lapse-days must be from 1 to 3660 (got \(lapseDays)).") }
    }

    func run() throws {
        let workspace = try global.openWorkspace()
        let progress = ProgressLine("snapshot")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        progress.finish()
        let period = try Self.period(from: from, to: to, snapshot: snapshot)
        try reporting("report") {
            let members = try MemberFunnel.subjects(in: workspace, snapshot: snapshot)
            emit(MemberFunnel.compute(snapshot, members: members, period: period, lapseDays: lapseDays), format: output.format)
        }
    }

    static func period(from: String?, to: String?, snapshot: Snapshot) throws -> DayRange {
        func day(_ text: String, _ option: String) throws -> Day {
            do { return try Day.parse(text) } catch { throw ValidationError("\(option): '\(text.prefix(20))' is not a day (YYYY-MM-DD)") }
        }
        let last: Day
        if let to { last = try day(to, "--to") } else {
            guard let dataLast = snapshot.dataDays?.last else { throw ValidationError("The workspace has no events; give --from and --to.") }
            last = dataLast
        }
        let first = try from.map { try day($0, "--from") } ?? last.advanced(by: -29)
        guard first <= last else { throw ValidationError("--from (\(first)) is after --to (\(last)).") }
        return DayRange(first, last)
    }
}
