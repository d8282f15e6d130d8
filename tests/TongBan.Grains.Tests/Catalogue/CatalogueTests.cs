using TongBan.Grains.Catalogue;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Catalogue;

[Trait("Category", "Unit")]
public class CatalogueSeedTests
{
    private static readonly ServiceCatalogue Seeded = ServiceCatalogue.Seeded();

    private static ServiceCatalogue Batch1 => Seeded.AsOf(1);

    [Fact]
    public void Batch_1_has_40_plus_items_across_every_sector_of_the_policy()
    {
        var items = Batch1.Items;
        Assert.True(items.Count >= 40, $"{items.Count} items");
        Assert.Equal(Enum.GetValues<Sector>().Order(), items.Select(i => i.Sector).Distinct().Order());
        Assert.Equal(new DateOnly(2020, 5, 29), Seeded.Batches[0].Published);
        foreach (var example in new[] { "居民身份证换领", "个体工商户设立登记", "食品经营许可", "社会保障卡申领", "婚姻登记档案查询", "机动车驾驶证换证", "不动产登记资料查询", "出生医学证明补发", "纳税证明开具" })
        {
            Assert.Contains(items, i => i.Name == example);
        }
    }

    [Fact]
    public void Every_sector_is_at_least_30_percent_province_wide_in_batch_1_and_not_trivially_so()
    {
        var shares = Batch1.SectorShares();
        Assert.Equal(Enum.GetValues<Sector>().Length, shares.Count);
        foreach (var share in shares)
        {
            Assert.True(share.MeetsFirstBatchMinimum, $"{CatalogueNames.Of(share.Sector)}: {share.ProvinceWideItems}/{share.Items}");
            Assert.True(share.Share >= SectorShare.FirstBatchMinimum);
            Assert.True(share.ProvinceWideItems < share.Items, $"{share.Sector} has no local-only item, so its share says nothing");
        }
    }

    [Fact]
    public void Every_seeded_item_is_internally_consistent_and_realistic()
    {
        foreach (var item in Seeded.Batches.SelectMany(b => b.Added.Concat(b.Amended)))
        {
            Assert.Empty(item.Problems());
            Assert.InRange(item.StatutoryLimitDays, 0, 60); // no seeded item has a statutory limit beyond 60 working days
            Assert.Equal(Departments.Find(item.DepartmentCode)!.Name, item.DepartmentName);
            Assert.All(item.Materials, m => Assert.InRange(m.Copies, 0, 3));
        }
    }

    [Fact]
    public void Departments_have_stable_codes_and_cover_every_sector()
    {
        Assert.Equal(["gongan", "scjg", "jy", "wsjk", "zfcj", "bdc", "rsj", "mz", "jt", "sw"], Departments.All.Select(d => d.Code));
        Assert.Equal(Enum.GetValues<Sector>().Order(), Departments.All.Select(d => d.Sector).Distinct().Order());
        Assert.Equal("公安局", Departments.Find("gongan")!.Name);
        Assert.Null(Departments.Find("nope"));
    }

    [Fact]
    public void The_first_seven_high_frequency_e_licences_of_task_13_can_replace_some_material()
    {
        var used = Seeded.Batches.SelectMany(b => b.Added.Concat(b.Amended)).SelectMany(i => i.Materials).Select(m => m.ReplaceableBy).OfType<ELicenceType>().ToHashSet();
        Assert.Contains(ELicenceType.ResidentIdCard, used);
        Assert.Contains(ELicenceType.DrivingLicence, used);
        Assert.Contains(ELicenceType.BusinessLicence, used);
        Assert.Contains(ELicenceType.MarriageCertificate, used);
        Assert.Contains(ELicenceType.SocialSecurityCard, used);
        Assert.All(Enum.GetValues<ELicenceType>(), t => Assert.False(string.IsNullOrEmpty(CatalogueNames.Of(t))));
    }
}

[Trait("Category", "Unit")]
public class CatalogueReplayTests
{
    private static readonly ServiceCatalogue Seeded = ServiceCatalogue.Seeded();

    [Fact]
    public void Batch_2_amends_adds_and_withdraws()
    {
        var batch2 = Seeded.Batches[1];
        Assert.Single(batch2.Amended);
        Assert.Single(batch2.Withdrawn);
        Assert.True(batch2.Added.Count >= 2);
        Assert.Equal(2, Seeded.LatestBatch);
        Assert.Equal(Seeded.AsOf(1).Items.Count + batch2.Added.Count - 1, Seeded.Items.Count);
    }

    [Fact]
    public void Amended_item_has_two_versions_and_the_current_one_is_the_amendment()
    {
        var history = Seeded.History("gongan-004");
        Assert.Equal([ItemChange.Added, ItemChange.Amended], history.Select(v => v.Change));
        Assert.Equal([1, 2], history.Select(v => v.BatchNumber));
        Assert.False(history[0].Item!.ProvinceWide);
        Assert.True(Seeded.Find("gongan-004")!.ProvinceWide);
        Assert.Same(history[1].Item, Seeded.Find("gongan-004"));
        Assert.Same(history[0].Item, Seeded.VersionAt("gongan-004", 1)); // a 2020 case keeps the 2020 rules
        Assert.Equal(2, Seeded.CurrentBatchOf("gongan-004"));
    }

    [Fact]
    public void Withdrawn_item_is_gone_from_the_current_set_but_keeps_its_history()
    {
        Assert.Null(Seeded.Find("sw-002"));
        Assert.DoesNotContain(Seeded.Items, i => i.Code == "sw-002");
        Assert.Equal([ItemChange.Added, ItemChange.Withdrawn], Seeded.History("sw-002").Select(v => v.Change));
        Assert.NotNull(Seeded.VersionAt("sw-002", 1));
        Assert.Null(Seeded.VersionAt("sw-002", 2));
        Assert.Equal(0, Seeded.CurrentBatchOf("sw-002"));
        Assert.Empty(Seeded.History("no-such-item"));
    }

    [Fact]
    public void Added_items_appear_from_their_batch_on()
    {
        Assert.Null(Seeded.AsOf(1).Find("jt-006"));
        Assert.NotNull(Seeded.Find("jt-006"));
        Assert.Equal(2, Seeded.CurrentBatchOf("jt-006"));
        Assert.Null(Seeded.VersionAt("jt-006", 1));
    }

    private static ServiceItem Sample(string code = "gongan-901", string name = "测试事项", string initials = "csss") =>
        Seeded.Find("gongan-001")! with { Code = code, Name = name, PinyinInitials = initials };

    [Fact]
    public void Inconsistent_batches_are_refused_with_every_problem()
    {
        var day = new DateOnly(2022, 1, 1);
        var bad = new[]
        {
            new CatalogueBatch(1, day, "一", [Sample(), Sample()], [], []),
            new CatalogueBatch(1, day.AddDays(-1), "二", [], [Sample("gongan-902")], ["gongan-903"]),
        };
        var error = Assert.Throws<CatalogueException>(() => ServiceCatalogue.Replay(bad));
        Assert.Contains(error.Problems, p => p.Contains("more than once", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("numbers must increase", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("dated before", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("amends gongan-902", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("withdraws gongan-903", StringComparison.Ordinal));
    }

    [Fact]
    public void Adding_an_item_in_force_is_refused_but_re_adding_a_withdrawn_one_is_allowed()
    {
        var day = new DateOnly(2022, 1, 1);
        var twice = new[] { new CatalogueBatch(1, day, "一", [Sample()], [], []), new CatalogueBatch(2, day, "二", [Sample()], [], []) };
        Assert.Contains("already in force", Assert.Throws<CatalogueException>(() => ServiceCatalogue.Replay(twice)).Message);

        var back = ServiceCatalogue.Replay([.. twice[..1], new CatalogueBatch(2, day, "二", [], [], ["gongan-901"]), new CatalogueBatch(3, day, "三", [Sample()], [], [])]);
        Assert.NotNull(back.Find("gongan-901"));
        Assert.Equal([ItemChange.Added, ItemChange.Withdrawn, ItemChange.Added], back.History("gongan-901").Select(v => v.Change));
    }

    [Fact]
    public void Items_with_problems_are_refused()
    {
        var broken = Sample() with { PromisedLimitDays = 90, DepartmentCode = "scjg", PinyinInitials = "cs" };
        var problems = broken.Problems();
        Assert.Contains(problems, p => p.Contains("promised", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("belongs to", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("pinyin", StringComparison.Ordinal));
        Assert.Throws<CatalogueException>(() => ServiceCatalogue.Replay([new CatalogueBatch(1, new DateOnly(2022, 1, 1), "一", [broken], [], [])]));
    }

    [Fact]
    public void Sector_share_counts_exactly_at_the_30_percent_edge()
    {
        Assert.True(new SectorShare(Sector.Taxation, 10, 3).MeetsFirstBatchMinimum);
        Assert.False(new SectorShare(Sector.Taxation, 10, 2).MeetsFirstBatchMinimum);
        Assert.False(new SectorShare(Sector.Taxation, 0, 0).MeetsFirstBatchMinimum);
        Assert.Equal(0.3, new SectorShare(Sector.Taxation, 10, 3).Share, 10);
    }
}

[Trait("Category", "Unit")]
public class CatalogueSearchTests
{
    private static readonly ServiceCatalogue Seeded = ServiceCatalogue.Seeded();

    [Theory]
    [InlineData("sfz", "gongan-001")] // 身份证
    [InlineData("SFZ", "gongan-001")]
    [InlineData("jmsfzhl", "gongan-001")]
    [InlineData("shbzk", "rsj-001")] // 社会保障卡
    [InlineData("bdc", "bdc-001")] // 不动产
    [InlineData("jsz", "gongan-006")] // 驾驶证
    [InlineData("身份证", "gongan-001")]
    [InlineData("食品经营许可", "scjg-003")]
    [InlineData("gongan-00", "gongan-001")]
    public void Finds_by_pinyin_initials_name_or_code(string query, string expectedCode)
    {
        Assert.Contains(Seeded.Search(query), i => i.Code == expectedCode);
    }

    [Fact]
    public void Exact_name_ranks_first_then_prefix_then_substring()
    {
        var results = Seeded.Search("食品经营许可");
        Assert.Equal("scjg-003", results[0].Code); // exact
        Assert.Equal("scjg-007", results[1].Code); // 食品经营许可变更: prefix
        Assert.Equal(["gongan-001", "gongan-002"], Seeded.Search("sfz").Take(2).Select(i => i.Code));
    }

    [Fact]
    public void Sector_and_province_wide_filters_apply()
    {
        Assert.All(Seeded.Search("zm", Sector.Taxation), i => Assert.Equal(Sector.Taxation, i.Sector));
        Assert.Contains(Seeded.Search("zm", Sector.Taxation), i => i.Code == "sw-001");
        Assert.Equal(Seeded.Items.Count(i => i.Sector == Sector.Education), Seeded.Search(null, Sector.Education).Count);
        Assert.All(Seeded.Search("", provinceWideOnly: true), i => Assert.True(i.ProvinceWide));
        Assert.DoesNotContain(Seeded.Search("jhdj", provinceWideOnly: true), i => i.Code == "mz-002");
    }

    [Fact]
    public void Nonsense_and_withdrawn_items_find_nothing()
    {
        Assert.Empty(Seeded.Search("qqqqzz"));
        Assert.Empty(Seeded.Search("发票领用"));
        Assert.Empty(Seeded.Search("火星"));
    }
}

[Trait("Category", "Unit")]
public class CataloguePublishingTests
{
    private static readonly DateOnly Today = new(2026, 12, 6);

    private static ServiceItem Sample(string code = "rsj-901", string name = "测试新增事项", string initials = "csxzsx") =>
        ServiceCatalogue.Seeded().Find("rsj-006")! with { Code = code, Name = name, PinyinInitials = initials };

    private static CatalogueBatch Batch(int number, DateOnly? effective, ServiceItem[]? added = null, ServiceItem[]? amended = null, string[]? withdrawn = null) =>
        new(number, Today, "第三批", added ?? [], amended ?? [], withdrawn ?? []) { EffectiveFrom = effective };

    [Fact]
    public void A_sound_next_batch_passes()
    {
        Assert.Empty(CataloguePublishing.Check(CatalogueSeed.Batches, Batch(3, Today, [Sample()]), Today));
        Assert.Empty(CataloguePublishing.Check(CatalogueSeed.Batches, Batch(3, Today.AddDays(30), withdrawn: ["jt-006"]), Today));
    }

    [Fact]
    public void Every_problem_is_listed_in_Chinese_with_English_after()
    {
        var bad = new CatalogueBatch(4, Today, " ",
            [Sample() with { PromisedLimitDays = 9, StatutoryLimitDays = 3 }, Sample("rsj-902", "测试", "c") with { Materials = [] }, Sample("rsj-903") with { StatutoryLimitDays = 400, PromisedLimitDays = 1 }],
            [Sample("rsj-999")], ["sw-002"])
        {
            EffectiveFrom = Today.AddDays(-1),
        };
        var problems = CataloguePublishing.Check(CatalogueSeed.Batches, bad, Today);
        Assert.Contains(problems, p => p.Contains("批次号须为 3", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("标题", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("不能追溯生效", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("承诺时限（9 个工作日）", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("rsj-902：没有申请材料", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("拼音首字母", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("超过上限 250", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("调整的 rsj-999 不在清单中", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("取消的 sw-002 不在清单中", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.Contains(p, c => c is >= '\u4e00' and <= '\u9fff'));
        Assert.Equal(problems.Count, problems.Distinct().Count());
    }

    [Fact]
    public void A_batch_is_in_force_from_its_effective_date_and_a_case_keeps_its_version()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 6, 15, 59, 0, TimeSpan.Zero)); // 23:59 in China
        var catalogue = ServiceCatalogue.Seeded(clock);
        var amended = ServiceCatalogue.Seeded().Find("rsj-006")! with { StatutoryLimitDays = 2 };
        var next = Batch(3, Today.AddDays(1), [Sample()], [amended], ["jt-006"]);
        Assert.True(catalogue.Load([.. CatalogueSeed.Batches, next]));
        Assert.False(catalogue.Load([.. CatalogueSeed.Batches, next])); // the same list again changes nothing

        Assert.Equal(2, catalogue.LatestBatch);
        Assert.Null(catalogue.Find("rsj-901"));
        Assert.NotNull(catalogue.Find("jt-006"));
        Assert.Equal(1, catalogue.CurrentBatchOf("rsj-006"));
        Assert.Equal(3, catalogue.Batches.Count);
        Assert.NotNull(catalogue.AsOf(3).Find("rsj-901")); // a scheduled batch can be read ahead

        clock.Advance(TimeSpan.FromMinutes(1)); // midnight in China: batch 3 takes effect
        Assert.Equal(3, catalogue.LatestBatch);
        Assert.NotNull(catalogue.Find("rsj-901"));
        Assert.Null(catalogue.Find("jt-006"));
        Assert.Equal(3, catalogue.CurrentBatchOf("rsj-006"));
        Assert.Equal(1, catalogue.VersionAt("rsj-006", 1)!.StatutoryLimitDays); // a case of batch 1 keeps its limits
        Assert.Equal(2, catalogue.VersionAt("rsj-006", 3)!.StatutoryLimitDays);
    }

    [Fact]
    public void Loading_a_list_that_does_not_extend_the_known_one_is_refused()
    {
        var catalogue = ServiceCatalogue.Seeded();
        Assert.Throws<CatalogueException>(() => catalogue.Load([CatalogueSeed.Batches[0], Batch(3, Today, [Sample()]), Batch(4, Today, [Sample("rsj-902")])]));
        Assert.Throws<CatalogueException>(() => catalogue.Load([.. CatalogueSeed.Batches, Batch(3, Today, amended: [Sample("rsj-999")])]));
        Assert.Equal(2, catalogue.Batches.Count);
    }
}
