using Orleans.Configuration;

namespace TongBan.Silo.Hosting;

/// <summary>
/// How fast the cluster declares a crashed silo dead (<c>TongBan:Silo:Membership:*</c>, applied to Orleans'
/// <see cref="ClusterMembershipOptions"/>). Until a dead silo is declared dead, calls to the grains it hosted fail
/// or time out on every other silo (the grain directory still points at it), so this bounds the failed-call window
/// after a crash. Orleans' defaults (5 s probes, 60 s table refresh) leave clients more than the 5 s of failed calls a
/// hard kill may cost; these keep it near one second (docs/PERFORMANCE.md, "Cluster and faults").
/// </summary>
/// <remarks>
/// Chosen for a small cluster on one LAN (3–10 silos, sub-millisecond round trips): probes every second
/// (Orleans adapts each peer's effective timeout between half of it and <see cref="MaxProbeTimeout"/>), a silo is
/// suspected after 3 missed probes (≈ 3 s) and declared dead with 2 votes; both other silos probe it, so the second
/// vote follows within a probe period and gossip spreads the death at once. Three consecutive misses rather than
/// two, and a 4 s ceiling on the adaptive timeout, keep a GC pause or a busy 2-core box from evicting a live silo
/// (Orleans also extends timeouts while the prober itself is degraded, and a silo that was wrongly declared dead
/// restarts). A silo restarted on the same address supersedes its dead previous generation at start, whatever these are.
/// </remarks>
public sealed class MembershipTuning
{
    /// <summary>Initial probe timeout and period (Orleans default 5 s).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the adaptive probe timeout (Orleans default 4 × ProbeTimeout).</summary>
    public TimeSpan MaxProbeTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Missed probes before a silo is suspected (Orleans default 3).</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>Votes needed to declare a silo dead (Orleans default 2): with 3 silos, both survivors.</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>Period of reading the membership table, the fallback when gossip is missed (Orleans default 60 s).</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a suspicion vote counts (Orleans default 2 min): short, so old suspicions do not add up with new ones.</summary>
    public TimeSpan DeathVoteExpirationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Heartbeat written to the membership table (Orleans default 30 s); a replacement on another address waits until it is stale.</summary>
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate(string section)
    {
        static void Positive(string name, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                throw new StartupException($"{name} must be a positive time span, got {value}.");
            }
        }

        Positive($"{section}:{nameof(ProbeTimeout)}", ProbeTimeout);
        Positive($"{section}:{nameof(MaxProbeTimeout)}", MaxProbeTimeout);
        Positive($"{section}:{nameof(TableRefreshTimeout)}", TableRefreshTimeout);
        Positive($"{section}:{nameof(DeathVoteExpirationTimeout)}", DeathVoteExpirationTimeout);
        Positive($"{section}:{nameof(IAmAliveTablePublishTimeout)}", IAmAliveTablePublishTimeout);
        if (MaxProbeTimeout < ProbeTimeout)
        {
            throw new StartupException($"{section}:{nameof(MaxProbeTimeout)} ({MaxProbeTimeout}) must not be below {nameof(ProbeTimeout)} ({ProbeTimeout}).");
        }

        if (NumMissedProbesLimit < 1 || NumVotesForDeathDeclaration < 1)
        {
            throw new StartupException($"{section}:{nameof(NumMissedProbesLimit)} and {nameof(NumVotesForDeathDeclaration)} must be at least 1.");
        }
    }

    public void ApplyTo(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = ProbeTimeout;
        o.MinProbeTimeout = ProbeTimeout / 2;
        o.MaxProbeTimeout = MaxProbeTimeout;
        o.NumMissedProbesLimit = NumMissedProbesLimit;
        o.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration;
        o.TableRefreshTimeout = TableRefreshTimeout;
        o.DeathVoteExpirationTimeout = DeathVoteExpirationTimeout;
        o.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
    }
}
