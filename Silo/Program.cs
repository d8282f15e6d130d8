using TongBan.Silo.Hosting;

// `TongBan.Silo probe <url>`: exit 0 when the URL answers 2xx. Container health checks use it,
// because the runtime image carries no curl or wget.
if (args is ["probe", var url])
{
    return await HealthProbe.RunAsync(url);
}

try
{
    await using var app = TongBanHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception e)
{
    // An operator needs one line that names what failed, not a wall of stack frames.
    Console.Error.WriteLine($"tongban: start-up failed: {TongBanHost.Describe(e)}");
    return 1;
}
