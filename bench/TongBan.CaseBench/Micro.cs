using System.Diagnostics;
using System.Text.Json;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Silo.Postgres;

namespace TongBan.CaseBench;

/// <summary>CPU of the client-side pieces of one transition, single-threaded, µs per call (for profiling).</summary>
internal static class Micro
{
    public static void Run()
    {
        var json = CaseWorkload.SampleStateJson();
        var state = JsonSerializer.Deserialize<CaseState>(json, PostgresServicePointStore.Json)!;
        var applicant = new PersonalDataProtector(PrivacyOptions.Development()).Record(new ApplicantDetails("张三", "520102199003071236", "13985012345"));
        var applicantJson = JsonSerializer.Serialize(applicant, PostgresServicePointStore.Json);
        Time("serialize state", () => JsonSerializer.Serialize(state, PostgresServicePointStore.Json));
        Time("deserialize state", () => JsonSerializer.Deserialize<CaseState>(json, PostgresServicePointStore.Json));
        var plain = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var plainJson = JsonSerializer.Serialize(state, plain);
        Time("serialize state, no enums", () => JsonSerializer.Serialize(state, plain));
        Time("deserialize state, no enums", () => JsonSerializer.Deserialize<CaseState>(plainJson, plain));
        var utf8 = JsonSerializer.SerializeToUtf8Bytes(state, PostgresServicePointStore.Json);
        Time("deserialize state from utf8", () => JsonSerializer.Deserialize<CaseState>(utf8, PostgresServicePointStore.Json));
        var materials = state.Materials;
        Time("serialize materials", () => JsonSerializer.Serialize(materials, PostgresServicePointStore.Json));
        Time("serialize DateTimeOffset", () => JsonSerializer.Serialize(state.UpdatedAt, PostgresServicePointStore.Json));
        Time("serialize applicant", () => JsonSerializer.Serialize(applicant, PostgresServicePointStore.Json));
        Time("deserialize applicant", () => JsonSerializer.Deserialize<ApplicantRecord>(applicantJson, PostgresServicePointStore.Json));
        foreach (var (name, action) in CaseWorkload.MicroSteps(state, applicant))
        {
            Time(name, action);
        }
    }

    private static void Time(string name, Action action)
    {
        for (var i = 0; i < 2000; i++)
        {
            action();
        }

        const int N = 20000;
        var t0 = Stopwatch.GetTimestamp();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < N; i++)
        {
            action();
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        Console.WriteLine($"{name,-28} {Stopwatch.GetElapsedTime(t0).TotalMicroseconds / N,8:0.0} µs wall {cpu.TotalMicroseconds / N,8:0.0} µs CPU");
    }
}
