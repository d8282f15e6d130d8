using Orleans.Storage;

namespace TongBan.Bench;

/// <summary>
/// Wraps the silo's grain-state serializer (the one every storage provider takes from DI) and counts what the
/// writes of a run serialize: calls, bytes and this thread's CPU time. Reads pass through uncounted.
/// </summary>
public sealed class MeteredStorageSerializer(IGrainStorageSerializer inner) : IGrainStorageSerializer
{
    private long calls;
    private long bytes;
    private long cpuTicks;

    public (long Calls, long Bytes, TimeSpan Cpu) Totals =>
        (Interlocked.Read(ref calls), Interlocked.Read(ref bytes), TimeSpan.FromTicks(Interlocked.Read(ref cpuTicks)));

    public BinaryData Serialize<T>(T? input)
    {
        var before = ThreadCpu.Now();
        var data = inner.Serialize(input);
        if (before is { } b && ThreadCpu.Now() is { } after)
        {
            Interlocked.Add(ref cpuTicks, (after - b).Ticks);
        }

        Interlocked.Increment(ref calls);
        Interlocked.Add(ref bytes, data.ToMemory().Length);
        return data;
    }

    public T? Deserialize<T>(BinaryData input) => inner.Deserialize<T>(input);
}
