using System.Runtime.CompilerServices;
using TongBan.LoadGen;

namespace TongBan.Api.Tests.Support;

/// <summary>
/// Puts every TongBan host this test process starts (in-process hosts read the environment; <c>SiloProcess</c> passes it on)
/// on a hall floor clock that reads the next working day's morning, so tests that take tickets and open windows pass at
/// any real time. Set once per process, before any test runs. The hall-clock tests exercise closing through exceptions.
/// </summary>
internal static class HallClockSetup
{
    public const string Variable = "TongBan__Halls__TestClockOffset";

#pragma warning disable CA2255 // A test assembly: every host it starts must see the offset, whichever test runs first.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void ShiftHallFloor()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, HallTestClock.Text(HallTestClock.OffsetFrom(DateTimeOffset.UtcNow)));
        }
    }

    /// <summary>The offset every host of this process runs with.</summary>
    public static string Offset => Environment.GetEnvironmentVariable(Variable) ?? string.Empty;
}
