/// Members (会员): tiers by rolling spend or points, benefits, an append-only and idempotent
/// points ledger, and 招育转留赞 (recruit / nurture / convert / retain / advocate) reporting.
/// Stored in the workspace's operational database (`kehu.sqlite`). DESIGN section 6.
public enum Members {}
