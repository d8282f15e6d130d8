using System.Net;
using System.Net.Sockets;

namespace TongBan.Web.Tests.Support;

public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A loopback TCP port that is free now and not handed out before in this test process.</summary>
    public static int Next()
    {
        lock (Handed)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
