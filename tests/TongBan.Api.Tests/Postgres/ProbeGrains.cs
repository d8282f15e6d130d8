using System.Collections.Concurrent;
using Orleans;
using Orleans.Runtime;

namespace TongBan.Api.Tests.Postgres;

/// <summary>State written through the ADO.NET grain storage by the provider tests.</summary>
[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public string Text { get; set; } = "";

    [Id(1)]
    public int Number { get; set; }
}

public interface IStateProbeGrain : IGrainWithStringKey
{
    Task Set(string text, int number);

    Task<(string Text, int Number, string? ETag)> Get();

    Task Deactivate();

    /// <summary>Identifies this activation, so a test can wait for the next one instead of sleeping.</summary>
    Task<Guid> Activation();
}

/// <summary>Persists <see cref="ProbeState"/> in the silo's default (PostgreSQL) storage.</summary>
public sealed class StateProbeGrain([PersistentState("probe", "tongban")] IPersistentState<ProbeState> state) : Grain, IStateProbeGrain
{
    private readonly Guid activation = Guid.NewGuid();

    public Task Set(string text, int number)
    {
        state.State = new ProbeState { Text = text, Number = number };
        return state.WriteStateAsync();
    }

    public Task<(string Text, int Number, string? ETag)> Get() => Task.FromResult((state.State.Text, state.State.Number, state.Etag));

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<Guid> Activation() => Task.FromResult(activation);
}

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Start(TimeSpan due, TimeSpan period);

    Task Stop();
}

/// <summary>Registers a reminder through the ADO.NET reminder table and reports its ticks to the test.</summary>
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public const string ReminderName = "probe";

    /// <summary>Completed with the tick's status when the reminder of the grain with that key fires.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource<TickStatus>> Ticks = new();

    public async Task Start(TimeSpan due, TimeSpan period) => await this.RegisterOrUpdateReminder(ReminderName, due, period);

    public async Task Stop()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.GetOrAdd(this.GetPrimaryKeyString(), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(status);
        return Task.CompletedTask;
    }
}
