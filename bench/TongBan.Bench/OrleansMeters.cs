using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TongBan.Bench;

/// <summary>
/// Listens to Orleans' own meter in this process (what <c>dotnet-counters</c> would show): storage writes and
/// their latency, activations created and collected, messages. Snapshots before and after a phase give its deltas.
/// </summary>
public sealed class OrleansMeters : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, Totals> totals = new(StringComparer.Ordinal);

    public OrleansMeters()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument, totals.GetOrAdd(instrument.Name, _ => new Totals(IsObservable(instrument))));
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, state) => ((Totals)state!).Add(v));
        listener.SetMeasurementEventCallback<int>((i, v, _, state) => ((Totals)state!).Add(v));
        listener.SetMeasurementEventCallback<double>((i, v, _, state) => ((Totals)state!).Add(v));
        listener.SetMeasurementEventCallback<float>((i, v, _, state) => ((Totals)state!).Add(v));
        listener.Start();
    }

    /// <summary>Count and sum of every instrument so far (observable instruments: their current value).</summary>
    public IReadOnlyDictionary<string, (long Count, double Sum)> Snapshot()
    {
        foreach (var t in totals.Values.Where(t => t.Observable))
        {
            t.ResetObservation();
        }

        listener.RecordObservableInstruments();
        return totals.ToDictionary(kv => kv.Key, kv => kv.Value.Read());
    }

    public static IReadOnlyDictionary<string, (long Count, double Sum)> Delta(
        IReadOnlyDictionary<string, (long Count, double Sum)> before, IReadOnlyDictionary<string, (long Count, double Sum)> after) =>
        after.ToDictionary(
            kv => kv.Key,
            kv => before.TryGetValue(kv.Key, out var b) ? (kv.Value.Count - b.Count, kv.Value.Sum - b.Sum) : kv.Value);

    public void Dispose() => listener.Dispose();

    private static bool IsObservable(Instrument instrument) =>
        instrument.GetType().Name.StartsWith("Observable", StringComparison.Ordinal);

    private sealed class Totals(bool observable)
    {
        private long count;
        private double sum;

        public bool Observable { get; } = observable;

        public void Add(double value)
        {
            lock (this)
            {
                count++;
                sum += value;
            }
        }

        public void ResetObservation()
        {
            lock (this)
            {
                count = 0;
                sum = 0;
            }
        }

        public (long, double) Read()
        {
            lock (this)
            {
                return (count, sum);
            }
        }
    }
}
