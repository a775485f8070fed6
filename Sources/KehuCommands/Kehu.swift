import ArgumentParser

/// The `kehu` command line.
public struct Kehu: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kehu",
        abstract: "Kehu (客户): consumer operations for e-commerce brands.",
        discussion: """
            Turns a brand's omni-channel events into consumer assets: one ID per consumer across \
            channels (OneID), and the analyses an operations team runs on them.
            Start with `kehu demo`; see docs/cli.md for every command.
            """,
        subcommands: [
            DemoCommand.self, GenerateCommand.self, IngestCommand.self, StatsCommand.self, IdentityCommand.self,
            AIPLCommand.self, FASTCommand.self, VisitorsCommand.self, NineCommand.self, FunnelCommand.self,
            OrdersCommand.self, RetentionCommand.self, LifecycleCommand.self, RFMCommand.self, ChannelsCommand.self,
            PriceCommand.self, ContentCommand.self, ProfileCommand.self, CLVCommand.self, PlanCommand.self,
            CampaignCommand.self, TagCommand.self, AudienceCommand.self, ReachCommand.self, MemberCommand.self, ServeCommand.self, KeysCommand.self,
            FlushCommand.self, CompactCommand.self,
            DevCommand.self,
        ])

    public init() {}
}
