using TongBan.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"tongban-bench: {e.Message}");
    return 64;
}

if (options.ShowHelp)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

try
{
    return await BenchRunner.RunAsync(options, Console.Out);
}
catch (Exception e)
{
    Console.Error.WriteLine($"tongban-bench: failed: {e}");
    return 1;
}
