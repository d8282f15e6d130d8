using System.Collections.Concurrent;

namespace TongBan.Bench;

/// <summary>
/// Counts the grain calls each grain interface receives (an incoming call filter of the bench's silo), so the report can
/// say per ticket command which grains were called: e.g. a window command is one window call and one hall-queue call.
/// </summary>
public sealed class GrainCallCounter : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<string, long> calls = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Snapshot() => calls.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = context.InterfaceMethod?.DeclaringType?.Name ?? "?";
        calls.AddOrUpdate(name, 1, static (_, n) => n + 1);
        return context.Invoke();
    }

    /// <summary>Calls per interface between two snapshots, most first.</summary>
    public static IEnumerable<(string Interface, long Calls)> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(kv => (kv.Key, kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.Item2 > 0).OrderByDescending(x => x.Item2);
}
