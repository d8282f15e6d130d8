using static TongBan.Grains.Catalogue.HandlingLevel;
using static TongBan.Grains.Catalogue.ResultType;

namespace TongBan.Grains.Catalogue;

/// <summary>
/// Demo catalogue: batch 1 (May 2020, the first 全省通办 list of task 1) and batch 2 (May 2021: one
/// item amended, a few added, one withdrawn). Names, materials and limits follow the shape of
/// published 办事指南 (statutory limits from the governing law where one exists, promised limits
/// shorter as halls commit to); they are realistic examples, not a copy of the official list.
/// Every sector has items that are not province-wide, so the 30% share of task 1 is a real figure.
/// </summary>
public static class CatalogueSeed
{
    public static readonly DateOnly Batch1Published = new(2020, 5, 29);

    public static readonly DateOnly Batch2Published = new(2021, 5, 28);

    public static IReadOnlyList<CatalogueBatch> Batches { get; } = [Batch1(), Batch2()];

    // Materials that recur, with stable ids so cases and e-licence citations line up across items.
    private static RequiredMaterial IdCard(string name = "申请人居民身份证") => new("id-card", name, true, 1, ELicenceType.ResidentIdCard);

    private static RequiredMaterial Hukou(string name = "居民户口簿") => new("household-register", name, true, 1, ELicenceType.HouseholdRegister);

    private static RequiredMaterial Form(string name) => new("application-form", name, false, 1);

    private static RequiredMaterial Photo(string name = "近期二寸免冠彩色照片") => new("photo", name, false, 2);

    private static RequiredMaterial BusinessLicence() => new("business-licence", "营业执照", true, 1, ELicenceType.BusinessLicence);

    private static RequiredMaterial Paper(string id, string name, bool original = false, int copies = 1, ELicenceType? licence = null) =>
        new(id, name, original, copies, licence);

    private static ServiceItem Item(
        string code,
        string name,
        string initials,
        HandlingLevel level,
        int statutory,
        int promised,
        RequiredMaterial[] materials,
        string[] reviewPoints,
        ResultType result,
        bool printable,
        bool provinceWide,
        bool deferred = false,
        bool mailOriginals = false)
    {
        var department = Departments.Find(code[..code.IndexOf('-', StringComparison.Ordinal)])
            ?? throw new InvalidOperationException($"No department for item code {code}.");
        return new ServiceItem(code, name, department.Sector, department.Code, department.Name, level, statutory, promised,
            materials, reviewPoints, deferred, mailOriginals, result, printable, provinceWide, initials);
    }

    private static CatalogueBatch Batch1() => new(1, Batch1Published, "贵州省第一批“全省通办”事项清单", [.. PublicSecurity(), .. MarketRegulation(), .. Education(), .. Health(), .. Housing(), .. SocialSecurity(), .. CivilAffairs(), .. Transport(), .. Taxation()], [], []);

    private static CatalogueBatch Batch2() => new(2, Batch2Published, "贵州省第二批“全省通办”事项清单（含调整）",
        Added:
        [
            Item("scjg-007", "食品经营许可变更", "spjyxkbg", County, 20, 5,
                [Form("食品经营许可变更申请书"), Paper("food-business-licence", "食品经营许可证正副本", true, 0, ELicenceType.FoodBusinessLicence), Paper("change-proof", "与变更事项有关的材料")],
                ["变更事项与申请材料一致", "涉及经营场所改变的须现场核查"], Licence, printable: true, provinceWide: true, deferred: true),
            Item("jt-006", "道路运输证补发", "dlyszbf", County, 10, 3,
                [Form("道路运输证补发申请表"), BusinessLicence(), Paper("vehicle-registration", "机动车行驶证", true, 1, ELicenceType.VehicleRegistration)],
                ["车辆已在道路运输管理系统登记", "原证遗失声明或损毁原件"], Certificate, printable: true, provinceWide: true),
            Item("sw-007", "社会保险费缴费证明开具", "shbxfjfzmkj", County, 1, 0,
                [IdCard()],
                ["缴费记录完整"], Certificate, printable: true, provinceWide: true),
            // 出生医学证明首次签发: what a newborn needs first (the 新生儿出生一件事 bundle); wsjk-001 is the reissue (补发) after a loss.
            Item("wsjk-006", "出生医学证明首次签发", "csyxzmscqf", County, 5, 1,
                [Form("出生医学证明首次签发申请表"), IdCard("父母双方居民身份证"), Paper("delivery-record", "助产机构出具的分娩记录", true, 0)],
                ["新生儿出生信息与助产机构分娩记录一致", "申请人为新生儿父母或其监护人", "未曾签发出生医学证明"], Certificate, printable: true, provinceWide: true),
        ],
        Amended:
        [
            // 出生登记 became 省内通办 and accepts the e-licence of the 出生医学证明 and 结婚证.
            Item("gongan-004", "出生登记", "csdj", County, 20, 1,
                [Paper("birth-medical-certificate", "出生医学证明", true, 1, ELicenceType.BirthMedicalCertificate), Hukou("父亲或母亲居民户口簿"), IdCard("父母双方居民身份证"), Paper("marriage-certificate", "父母结婚证", true, 1, ELicenceType.MarriageCertificate)],
                ["出生医学证明真实有效", "随父或随母落户符合户籍政策"], Certificate, printable: true, provinceWide: true),
        ],
        Withdrawn: ["sw-002"]); // 发票领用: moved to 电子税务局 self-service, no longer a hall item

    private static IEnumerable<ServiceItem> PublicSecurity() =>
    [
        Item("gongan-001", "居民身份证换领", "jmsfzhl", County, 60, 15,
            [Hukou(), Paper("old-id-card", "原居民身份证", true, 0, ELicenceType.ResidentIdCard), Form("居民身份证申领登记表")],
            ["户籍信息与人口信息系统一致", "有效期届满或将于三个月内届满", "相片及指纹采集符合标准"], Certificate, printable: false, provinceWide: true),
        Item("gongan-002", "居民身份证补领", "jmsfzbl", County, 60, 15,
            [Hukou(), Form("居民身份证申领登记表")],
            ["户籍信息与人口信息系统一致", "原证已登记挂失", "相片及指纹采集符合标准"], Certificate, printable: false, provinceWide: true),
        Item("gongan-003", "户口迁移（省内）", "hkqysn", County, 20, 10,
            [Hukou("迁出地居民户口簿"), IdCard(), Form("户口迁移申请表"), Paper("residence-proof", "迁入地合法稳定住所证明", true, 1, ELicenceType.RealEstateCertificate)],
            ["符合迁入地落户条件", "迁出地户籍信息一致", "住所证明真实有效"], Certificate, printable: false, provinceWide: true),
        Item("gongan-004", "出生登记", "csdj", County, 20, 1,
            [Paper("birth-medical-certificate", "出生医学证明", true, 1), Hukou("父亲或母亲居民户口簿"), IdCard("父母双方居民身份证"), Paper("marriage-certificate", "父母结婚证", true, 1, ELicenceType.MarriageCertificate)],
            ["出生医学证明真实有效", "随父或随母落户符合户籍政策"], Certificate, printable: true, provinceWide: false),
        Item("gongan-005", "无犯罪记录证明开具", "wfzjlzmkj", County, 3, 1,
            [IdCard(), Form("无犯罪记录证明申请表")],
            ["申请人身份核验一致", "违法犯罪信息库查询结果"], Certificate, printable: true, provinceWide: true),
        Item("gongan-006", "机动车驾驶证换证", "jdcjszhz", City, 1, 0,
            [IdCard(), Paper("driving-licence", "原机动车驾驶证", true, 0, ELicenceType.DrivingLicence), Paper("health-certificate", "机动车驾驶人身体条件证明", true, 1), Photo("白底一寸彩色照片")],
            ["驾驶证有效期满前九十日内申请", "身体条件符合准驾车型要求", "无未处理的交通违法记录"], Licence, printable: false, provinceWide: true),
        Item("gongan-007", "机动车驾驶证补证", "jdcjszbz", City, 1, 0,
            [IdCard(), Form("机动车驾驶证补领申请表"), Photo("白底一寸彩色照片")],
            ["驾驶证状态正常（未被吊销、注销）", "身份信息核验一致"], Licence, printable: false, provinceWide: true),
        Item("gongan-008", "户口登记项目变更更正", "hkdjxmbggz", County, 20, 10,
            [Hukou(), IdCard(), Form("户口登记项目变更更正申请表"), Paper("change-evidence", "变更更正依据材料", true, 1)],
            ["变更更正依据真实有效", "需户籍地派出所调查核实"], Certificate, printable: false, provinceWide: false),
    ];

    private static IEnumerable<ServiceItem> MarketRegulation() =>
    [
        Item("scjg-001", "个体工商户设立登记", "gtgshsldj", County, 15, 1,
            [Form("个体工商户开业登记申请书"), IdCard("经营者居民身份证"), Paper("premises-proof", "经营场所使用证明", true, 1, ELicenceType.RealEstateCertificate)],
            ["名称符合名称登记管理规定", "经营范围不涉及前置审批或已取得许可", "经营场所真实"], Licence, printable: true, provinceWide: true, deferred: true),
        Item("scjg-002", "个体工商户变更登记", "gtgshbgdj", County, 15, 1,
            [Form("个体工商户变更登记申请书"), IdCard("经营者居民身份证"), BusinessLicence()],
            ["变更事项与申请材料一致"], Licence, printable: true, provinceWide: true, deferred: true),
        Item("scjg-003", "食品经营许可", "spjyxk", County, 20, 10,
            [Form("食品经营许可申请书"), BusinessLicence(), IdCard("法定代表人（负责人）居民身份证"), Paper("floor-plan", "经营场所平面图和设备布局图"), Paper("safety-rules", "食品安全管理制度")],
            ["经营场所与有毒有害场所保持规定距离", "设备布局和工艺流程合理", "现场核查合格"], Licence, printable: true, provinceWide: true, deferred: true),
        Item("scjg-004", "食品生产许可", "spscxk", City, 20, 15,
            [Form("食品生产许可申请书"), BusinessLicence(), Paper("floor-plan", "生产场所平面图和工艺流程图"), Paper("equipment-list", "主要设备设施清单"), Paper("safety-rules", "食品安全管理制度")],
            ["生产条件符合食品生产许可审查通则", "现场核查合格"], Licence, printable: false, provinceWide: false, mailOriginals: true),
        Item("scjg-005", "营业执照遗失补领", "yyzzysbl", County, 3, 1,
            [Form("营业执照补领申请书"), IdCard("法定代表人（经营者）居民身份证"), Paper("loss-notice", "遗失公告或声明")],
            ["主体登记状态正常", "遗失声明已发布"], Licence, printable: true, provinceWide: true),
        Item("scjg-006", "企业名称变更登记", "qymcbgdj", City, 15, 3,
            [Form("公司变更登记申请书"), Paper("resolution", "股东会决议或决定", true, 1), BusinessLicence()],
            ["新名称通过名称自主申报", "决议内容合法"], Licence, printable: true, provinceWide: false),
    ];

    private static IEnumerable<ServiceItem> Education() =>
    [
        Item("jy-001", "教师资格认定", "jszgrd", County, 30, 20,
            [Form("教师资格认定申请表"), IdCard(), Paper("diploma", "学历证书", true, 1), Paper("medical-report", "体检合格证明", true, 0), Paper("mandarin-certificate", "普通话水平测试等级证书", true, 1)],
            ["学历符合《教师法》规定", "体检合格", "思想品德鉴定合格"], Certificate, printable: false, provinceWide: false),
        Item("jy-002", "普通高中学历证明书开具", "ptgzxlzmskj", County, 10, 5,
            [Form("学历证明书申请表"), IdCard(), Photo()],
            ["学籍档案可查", "毕业信息一致"], Certificate, printable: true, provinceWide: true),
        Item("jy-003", "中等职业学校学历证明书开具", "zdzyxxxlzmskj", County, 10, 5,
            [Form("学历证明书申请表"), IdCard(), Photo()],
            ["学籍档案可查", "毕业信息一致"], Certificate, printable: true, provinceWide: true),
        Item("jy-004", "教师资格证书补发换发", "jszgzsbfhf", County, 20, 10,
            [Form("教师资格证书补发换发申请表"), IdCard(), Photo("近期一寸免冠彩色照片")],
            ["教师资格认定记录可查", "遗失声明或损毁原证"], Certificate, printable: false, provinceWide: true),
        Item("jy-005", "民办学校办学许可", "mbxxbxxk", County, 60, 40,
            [Form("民办学校筹设及正式设立申请书"), Paper("charter", "学校章程和首届理事会组成人员名单", true, 1), Paper("premises-proof", "校舍及办学场地证明", true, 1, ELicenceType.RealEstateCertificate), Paper("capital-proof", "资产来源和验资证明", true, 1)],
            ["办学条件符合设置标准", "举办者资格合法", "现场评估合格"], Licence, printable: false, provinceWide: false, mailOriginals: true),
        Item("jy-006", "义务教育阶段学生转学", "ywjyjdxszx", County, 10, 5,
            [Form("义务教育阶段学生转学申请表"), Hukou(), Paper("admission-letter", "转入学校接收证明", true, 0)],
            ["转入学校学位余量", "学籍系统转出转入一致"], Decision, printable: true, provinceWide: false),
    ];

    private static IEnumerable<ServiceItem> Health() =>
    [
        Item("wsjk-001", "出生医学证明补发", "csyxzmbf", County, 20, 10,
            [Form("出生医学证明补发申请表"), IdCard("父母双方居民身份证"), Paper("delivery-record", "出生医院出具的分娩记录", true, 1), Paper("loss-notice", "遗失声明")],
            ["分娩记录与签发记录一致", "未曾补发或补发原因充分"], Certificate, printable: false, provinceWide: true),
        Item("wsjk-002", "医师执业注册（变更）", "yszyzcbg", City, 20, 10,
            [Form("医师变更执业注册申请审核表"), IdCard(), Paper("doctor-certificate", "医师资格证书", true, 1), Paper("employment-proof", "拟执业机构聘用证明", true, 1)],
            ["医师资格有效", "拟执业机构执业范围与申请一致"], Licence, printable: true, provinceWide: true),
        Item("wsjk-003", "护士执业注册（延续）", "hszyzcyx", City, 20, 10,
            [Form("护士延续注册申请审核表"), IdCard(), Paper("nurse-certificate", "护士执业证书", true, 1), Paper("health-certificate", "六个月内健康体检证明", true, 0)],
            ["注册有效期届满前三十日内申请", "健康状况符合执业要求"], Licence, printable: true, provinceWide: true),
        Item("wsjk-004", "公共场所卫生许可", "ggcswsxk", County, 20, 10,
            [Form("公共场所卫生许可申请表"), BusinessLicence(), Paper("floor-plan", "经营场所平面图"), Paper("hygiene-report", "卫生检测报告", true, 1)],
            ["卫生设施符合规范", "现场审查合格"], Licence, printable: true, provinceWide: false),
        Item("wsjk-005", "医疗机构执业登记", "yljgzydj", City, 45, 30,
            [Form("医疗机构申请执业登记注册书"), Paper("premises-proof", "医疗机构用房产权证明或使用证明", true, 1, ELicenceType.RealEstateCertificate), Paper("staff-list", "医疗卫生技术人员名录及资格证明", true, 1), Paper("rules", "规章制度")],
            ["符合医疗机构基本标准", "现场审核合格"], Licence, printable: false, provinceWide: false, mailOriginals: true),
    ];

    private static IEnumerable<ServiceItem> Housing() =>
    [
        Item("bdc-001", "不动产登记资料查询", "bdcdjzlcx", County, 5, 0,
            [Form("不动产登记资料查询申请书"), IdCard()],
            ["查询人为权利人、利害关系人或其委托人", "查询目的合法"], Certificate, printable: true, provinceWide: true),
        Item("bdc-002", "不动产权证书补发", "bdcqzsbf", County, 30, 10,
            [Form("不动产登记申请书"), IdCard("权利人居民身份证"), Paper("loss-notice", "遗失声明")],
            ["登记簿记载一致", "遗失声明已在登记机构门户网站公告满十五个工作日"], Certificate, printable: false, provinceWide: false),
        Item("bdc-003", "不动产抵押权注销登记", "bdcdyqzxdj", County, 30, 1,
            [Form("不动产登记申请书"), IdCard("申请人居民身份证"), Paper("discharge-proof", "抵押权消灭证明（清偿证明）", true, 1), Paper("mortgage-certificate", "不动产登记证明", true, 0)],
            ["抵押权人同意注销", "登记簿记载一致"], Certificate, printable: true, provinceWide: true),
        Item("zfcj-001", "商品房买卖合同网签备案", "spfmmhtwqba", County, 5, 1,
            [Paper("contract", "商品房买卖合同", true, 1), IdCard("买受人居民身份证"), BusinessLicence()],
            ["房屋已取得预售许可或现售备案", "房屋未被查封或限制交易"], Decision, printable: true, provinceWide: false),
        Item("zfcj-002", "公共租赁住房申请", "ggzlzfsq", County, 30, 20,
            [Form("公共租赁住房申请表"), IdCard("申请人及家庭成员居民身份证"), Hukou(), Paper("income-proof", "家庭收入证明", true, 1)],
            ["家庭收入和住房状况符合保障条件", "公示无异议"], Decision, printable: false, provinceWide: false),
        Item("zfcj-003", "二级建造师执业资格注册（变更）", "ejjzszyzgzcbg", Province, 20, 10,
            [Form("二级建造师变更注册申请表"), IdCard(), Paper("employment-contract", "与新聘用单位签订的劳动合同", true, 1), BusinessLicence()],
            ["资格证书有效", "新聘用单位资质符合要求", "未在两个及以上单位注册"], Certificate, printable: true, provinceWide: true),
    ];

    private static IEnumerable<ServiceItem> SocialSecurity() =>
    [
        Item("rsj-001", "社会保障卡申领", "shbzksl", County, 20, 5,
            [Form("社会保障卡申领登记表"), IdCard(), Photo("近期白底一寸免冠彩色照片")],
            ["参保信息已登记", "身份信息与公安人口库一致"], Certificate, printable: true, provinceWide: true),
        Item("rsj-002", "社会保障卡补换", "shbzkbh", County, 20, 5,
            [Form("社会保障卡补换申请表"), IdCard()],
            ["原卡已挂失或损坏", "身份信息一致"], Certificate, printable: true, provinceWide: true),
        Item("rsj-003", "基本养老保险关系转移接续", "jbylbxgxzyjx", County, 45, 15,
            [Form("基本养老保险关系转移接续申请表"), IdCard(), Paper("contribution-certificate", "参保缴费凭证", true, 1, ELicenceType.SocialSecurityCard)],
            ["转出地参保缴费记录完整", "不存在重复参保"], Decision, printable: true, provinceWide: true),
        Item("rsj-004", "失业保险金申领", "sybxjsl", County, 10, 5,
            [Form("失业保险金申领登记表"), IdCard(), Paper("termination-proof", "解除或终止劳动关系证明", true, 1)],
            ["非因本人意愿中断就业", "缴费满一年", "已办理失业登记"], Decision, printable: false, provinceWide: false),
        Item("rsj-005", "就业创业证申领", "jycyzsl", County, 5, 1,
            [Form("就业创业证申领登记表"), IdCard(), Photo("近期一寸免冠照片")],
            ["就业失业登记信息一致"], Certificate, printable: true, provinceWide: true),
        Item("rsj-006", "个人参保证明打印", "grcbzmdy", County, 1, 0,
            [IdCard()],
            ["参保记录可查"], Certificate, printable: true, provinceWide: true),
        Item("rsj-007", "工伤认定", "gsrd", County, 60, 40,
            [Form("工伤认定申请表"), IdCard("受伤职工居民身份证"), Paper("labour-contract", "劳动关系证明", true, 1), Paper("diagnosis", "医疗诊断证明", true, 1)],
            ["事故发生在工作时间和工作场所内", "劳动关系成立", "调查核实"], Decision, printable: false, provinceWide: false, mailOriginals: true),
    ];

    private static IEnumerable<ServiceItem> CivilAffairs() =>
    [
        Item("mz-001", "婚姻登记档案查询", "hydjdacx", County, 5, 1,
            [Form("婚姻登记档案查询申请表"), IdCard()],
            ["查询人为当事人或其委托人", "档案可查"], Certificate, printable: true, provinceWide: true),
        Item("mz-002", "结婚登记", "jhdj", County, 0, 0,
            [Hukou("双方居民户口簿"), IdCard("双方居民身份证"), Photo("双方近期半身免冠合影照片"), Paper("declaration", "申请结婚登记声明书", false, 1)],
            ["双方自愿", "达到法定婚龄", "无配偶且非禁止结婚的亲属关系"], Certificate, printable: true, provinceWide: false),
        Item("mz-003", "补领结婚证", "bljhz", County, 5, 1,
            [Hukou(), IdCard(), Photo("近期半身免冠合影照片"), Form("申请补领婚姻登记证声明书")],
            ["婚姻登记档案可查", "婚姻关系仍然存续"], Certificate, printable: true, provinceWide: false),
        Item("mz-004", "最低生活保障申请", "zdshbzsq", County, 30, 20,
            [Form("最低生活保障申请书"), IdCard("家庭成员居民身份证"), Hukou(), Paper("authorisation", "家庭经济状况核对授权书", true, 1)],
            ["家庭人均收入低于当地保障标准", "家庭财产符合规定", "入户调查及公示无异议"], Decision, printable: false, provinceWide: false),
        Item("mz-005", "困难残疾人生活补贴和重度残疾人护理补贴申请", "kncjrshbthzdcjrhlbtsq", County, 30, 20,
            [Form("残疾人两项补贴申请审批表"), IdCard(), Paper("disability-certificate", "第二代残疾人证", true, 1)],
            ["残疾等级符合补贴条件", "家庭经济状况符合规定"], Decision, printable: false, provinceWide: true),
    ];

    private static IEnumerable<ServiceItem> Transport() =>
    [
        Item("jt-001", "道路运输从业人员从业资格证补发", "dlyscyrycyzgzbf", City, 10, 5,
            [Form("从业资格证补发申请表"), IdCard(), Photo("近期一寸免冠照片")],
            ["从业资格档案可查", "遗失声明或损毁原证"], Certificate, printable: true, provinceWide: true),
        Item("jt-002", "道路运输从业人员从业资格证换发", "dlyscyrycyzgzhf", City, 10, 5,
            [Form("从业资格证换发申请表"), IdCard(), Paper("qualification-certificate", "原从业资格证", true, 0, ELicenceType.RoadTransportQualification), Photo("近期一寸免冠照片")],
            ["有效期届满前三十日内申请", "诚信考核合格"], Certificate, printable: true, provinceWide: true),
        Item("jt-003", "出租汽车驾驶员从业资格注册", "czqcjsycyzgzc", City, 20, 5,
            [Form("出租汽车驾驶员从业资格注册申请表"), IdCard(), Paper("driving-licence", "机动车驾驶证", true, 1, ELicenceType.DrivingLicence), Paper("employment-contract", "与出租汽车经营者签订的劳动合同", true, 1)],
            ["已取得从业资格证", "无不良从业记录"], Certificate, printable: true, provinceWide: false),
        Item("jt-004", "道路普通货物运输经营许可", "dlpthwysjyxk", County, 20, 10,
            [Form("道路货物运输经营申请表"), BusinessLicence(), IdCard("负责人居民身份证"), Paper("vehicle-registration", "机动车行驶证", true, 1, ELicenceType.VehicleRegistration), Paper("driver-qualification", "驾驶人员从业资格证", true, 1, ELicenceType.RoadTransportQualification)],
            ["车辆技术条件符合要求", "驾驶人员取得从业资格", "安全生产管理制度健全"], Licence, printable: true, provinceWide: true),
        Item("jt-005", "网络预约出租汽车运输证核发", "wlyyczqcyszhf", City, 20, 10,
            [Form("网络预约出租汽车运输证申请表"), Paper("vehicle-registration", "机动车行驶证", true, 1, ELicenceType.VehicleRegistration), Paper("platform-agreement", "与网约车平台公司签订的协议", true, 1)],
            ["车辆符合本地网约车车辆标准", "车辆安装卫星定位装置和应急报警装置"], Certificate, printable: false, provinceWide: false),
    ];

    private static IEnumerable<ServiceItem> Taxation() =>
    [
        Item("sw-001", "纳税证明开具", "nszmkj", County, 1, 0,
            [IdCard("纳税人（经办人）居民身份证")],
            ["纳税记录完整", "无欠税"], Certificate, printable: true, provinceWide: true),
        Item("sw-002", "发票领用", "fply", County, 1, 0,
            [IdCard("经办人居民身份证"), BusinessLicence()],
            ["票种核定有效", "无未缴销发票"], Decision, printable: true, provinceWide: true),
        Item("sw-003", "个人所得税纳税记录开具", "grsdsnsjlkj", County, 1, 0,
            [IdCard()],
            ["纳税记录可查"], Certificate, printable: true, provinceWide: true),
        Item("sw-004", "跨区域涉税事项报告", "kqysssxbg", County, 1, 0,
            [BusinessLicence(), Paper("contract", "外出经营合同", true, 1)],
            ["纳税人状态正常"], Decision, printable: true, provinceWide: true),
        Item("sw-005", "增值税一般纳税人登记", "zzsybnsrdj", County, 5, 1,
            [Form("增值税一般纳税人登记表"), BusinessLicence()],
            ["年应税销售额或会计核算符合条件"], Decision, printable: true, provinceWide: false),
        Item("sw-006", "注销税务登记", "zxswdj", County, 20, 10,
            [Form("注销税务登记申请表"), BusinessLicence(), Paper("clearance-proof", "清税相关材料", true, 1)],
            ["已结清应纳税款、滞纳金、罚款", "发票已缴销"], Decision, printable: true, provinceWide: false),
    ];
}
