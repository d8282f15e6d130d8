using TongBan.Grains.Appointments;
using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Tests.Appointments;

/// <summary>Hand-made service points and helpers for the pure appointment rules.</summary>
internal static class AppointmentTestKit
{
    public static readonly WorkingDayCalendar OfficialCalendar = WorkingDayCalendar.LoadEmbedded();

    public static readonly ApplicantHasher Hasher = ApplicantHasher.FromText("appointment-tests-privacy-key-0123456789abcdef");

    public static readonly OpeningHours CountyHours = new(
        false, [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))], []);

    public static readonly OpeningHours CityHours = new(
        false,
        [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 30))],
        [new(new TimeOnly(9, 0), new TimeOnly(12, 0))]);

    private static readonly QueueCategory[] Categories = [new("A", "综合受理"), new("B", "公安"), new("D", "帮办代办")];

    /// <summary>Windows: 1 and 2 serve A, 3 serves B then A, 4 serves D then A. Capacity per slot: A 4, B 1, D 1.</summary>
    public static ServicePoint Hall(string code = "520102-H001", OpeningHours? hours = null, IReadOnlyList<WindowProfile>? windows = null) => new(
        code, "测试政务服务中心", ServicePointType.Hall, ServiceLevel.County, "520102", new GeoPoint(26.57, 106.71), "贵州省贵阳市南明区", "0851-0000000",
        hours ?? CountyHours, Categories,
        windows ?? [new(1, "1号窗口", ["A"]), new(2, "2号窗口", ["A"]), new(3, "3号窗口", ["B", "A"]), new(4, "4号窗口", ["D", "A"])],
        []);

    public static ServicePoint SelfService() => Hall("520102-Z001", OpeningHours.AroundTheClock, []) with { Type = ServicePointType.SelfService, Categories = [] };

    public static DateTimeOffset At(int year, int month, int day, int hour, int minute, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.FromHours(8));

    public static ApplicantRecord Applicant(string idNumber = "52010219900307001X", string name = "张三", string phone = "13812345678") =>
        ApplicantRules.ToRecord(new ApplicantInput(name, idNumber, phone), Hasher);

    public static BookingRequest Request(string start, string category = "A", string item = "ITEM-1", ApplicantRecord? applicant = null, string? key = null) =>
        new(category, item, TimeOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), applicant ?? Applicant(), "clerk:test", key);
}
