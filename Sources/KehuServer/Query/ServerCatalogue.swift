import KehuAnalytics
import KehuPlan

/// Every analysis the API and the dashboard serve: the analytics catalogue and planning.
public enum ServerCatalogue {
    public static let all: [Analysis] = AnalysisCatalogue.all + PlanCatalogue.all

    public static func named(_ name: String) throws(AnalysisError) -> Analysis {
        guard let analysis = all.first(where: { $0.name == name }) else { throw .unknownAnalysis(name) }
        return analysis
    }
}
