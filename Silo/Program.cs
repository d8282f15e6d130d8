using TongBan.Silo.Hosting;

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
