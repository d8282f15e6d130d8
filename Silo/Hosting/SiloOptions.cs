namespace TongBan.Silo.Hosting;

/// <summary>Configuration section <c>TongBan:Silo</c> (environment: <c>TongBan__Silo__SiloPort</c> …).</summary>
public sealed class SiloOptions
{
    public const string Section = "TongBan:Silo";

    /// <summary>Name of the connection string that switches on PostgreSQL mode (<c>ConnectionStrings__TongBan</c>).</summary>
    public const string ConnectionStringName = "TongBan";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Address other silos reach this one at: an IP, or a host name resolved once at start-up
    /// (in docker-compose the service name, which resolves to the container's address).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silos with the same ClusterId and ServiceId form one cluster.</summary>
    public string ClusterId { get; set; } = "tongban";

    /// <summary>
    /// Embedded mode only: the silo port of the first silo, to run several embedded silos on one
    /// machine as one cluster (0: this silo is the first). PostgreSQL mode uses the membership table instead.
    /// </summary>
    public int PrimarySiloPort { get; set; }

    public string ServiceId { get; set; } = "tongban";

    /// <summary>
    /// Embedded mode, single silo only (no <see cref="PrimarySiloPort"/>): keep grain state in this process instead of
    /// behind Orleans' memory storage grains, so a state write is no grain call. Off by default; refused in PostgreSQL mode.
    /// </summary>
    public bool InProcessGrainStorage { get; set; }

    /// <summary>Serve the Orleans dashboard at /dashboard (admin token required in PostgreSQL mode).</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Failure detection (<c>TongBan:Silo:Membership:*</c>); see <see cref="MembershipTuning"/>.</summary>
    public MembershipTuning Membership { get; set; } = new();

    public void Validate()
    {
        CheckPort(nameof(SiloPort), SiloPort);
        CheckPort(nameof(GatewayPort), GatewayPort);
        if (PrimarySiloPort != 0)
        {
            CheckPort(nameof(PrimarySiloPort), PrimarySiloPort);
        }

        if (InProcessGrainStorage && PrimarySiloPort != 0)
        {
            throw new StartupException($"{Section}:{nameof(InProcessGrainStorage)} is for a single silo; it cannot be used with {nameof(PrimarySiloPort)} {PrimarySiloPort}.");
        }

        if (SiloPort == GatewayPort)
        {
            throw new StartupException($"{Section}:{nameof(SiloPort)} and {nameof(GatewayPort)} must differ (both are {SiloPort}).");
        }

        if (string.IsNullOrWhiteSpace(AdvertisedAddress) || Uri.CheckHostName(AdvertisedAddress) == UriHostNameType.Unknown)
        {
            throw new StartupException($"{Section}:{nameof(AdvertisedAddress)} must be an IP address or host name, got '{AdvertisedAddress}'.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            throw new StartupException($"{Section}:{nameof(ClusterId)} and {nameof(ServiceId)} must not be empty.");
        }

        Membership.Validate($"{Section}:{nameof(Membership)}");
    }

    /// <summary>The advertised address as an IP; host names are resolved (IPv4 preferred).</summary>
    public System.Net.IPAddress ResolveAdvertisedAddress()
    {
        if (System.Net.IPAddress.TryParse(AdvertisedAddress, out var ip))
        {
            return ip;
        }

        try
        {
            var addresses = System.Net.Dns.GetHostAddresses(AdvertisedAddress);
            return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw new StartupException($"{Section}:{nameof(AdvertisedAddress)} '{AdvertisedAddress}' resolves to no address.");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new StartupException($"{Section}:{nameof(AdvertisedAddress)} '{AdvertisedAddress}' cannot be resolved: {e.Message}", e);
        }
    }

    private static void CheckPort(string name, int value)
    {
        if (value is < 1 or > 65535)
        {
            throw new StartupException($"{Section}:{name} must be a port number between 1 and 65535, got {value}.");
        }
    }
}

/// <summary>A start-up failure with a message meant for the operator: printed as one line, no stack trace.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
