using System.Diagnostics;

namespace TongBan.Bench;

/// <summary>
/// What a phase cost this process: CPU time (all threads), bytes allocated, garbage collections. CPU per operation
/// stays meaningful when other processes compete for the cores, where operations per second do not.
/// </summary>
public readonly record struct ProcessCost(TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Wall)
{
    public static ProcessCost Now()
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessCost(
            self.TotalProcessorTime, GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            TimeSpan.FromSeconds((double)Stopwatch.GetTimestamp() / Stopwatch.Frequency));
    }

    public static ProcessCost operator -(ProcessCost after, ProcessCost before) =>
        new(after.Cpu - before.Cpu, after.Allocated - before.Allocated, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Wall - before.Wall);

    /// <summary>Cores this process kept busy on average (2.0 = both cores of this box).</summary>
    public double Cores => Wall > TimeSpan.Zero ? Cpu / Wall : 0;

    public string PerOperation(long operations) =>
        operations <= 0
            ? "n/a"
            : $"{Cpu.TotalMicroseconds / operations:N1} µs CPU and {Allocated / 1024.0 / operations:N1} KB allocated per op " +
              $"({Cores:0.00} cores busy; GCs gen0/1/2 {Gen0}/{Gen1}/{Gen2})";
}
