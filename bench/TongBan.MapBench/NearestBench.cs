using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Map;

namespace TongBan.MapBench;

/// <summary>Nearest-k with ~20,000 points and the live overlay, in-process, against PostGIS KNN on the same points.</summary>
internal static class NearestBench
{
    public static async Task Run(double seconds, string? pg)
    {
        Console.WriteLine("== nearest: 20,000 points, k=5 by travel + live wait, STRtree (the default) ==");
        var points = BenchData.Synthetic(20_000);
        var listBytes = GC.GetTotalMemory(true);
        var overlay = new LiveOverlay();
        BenchData.FillOverlay(overlay, points, 1);
        var index = MapIndex.Build(points, overlay, 1);
        var indexBytes = GC.GetTotalMemory(true) - listBytes;
        GC.KeepAlive(index);
        Console.WriteLine($"   memory: index (all + per-type STRtrees) + overlay cells with live figures for {points.Count:N0} points: {indexBytes / 1048576.0:N1} MiB " +
                          "(the ServicePoint profiles are the directory's and not counted)");

        var search = new NearestSearch(GreatCircleTravelModel.Guizhou, new QueueLoadModel());
        var calendar = BenchData.Calendar.Value;
        var origins = BenchData.Origins(index.Extent, 8192, 3);
        NearestQuery Q(int i) => new(origins[i & 8191], TravelMode.Drive, 5, BenchData.WorkdayMorning);
        var one = Measure.Run(1, seconds, (_, i) => search.Find(index, Q(i), calendar));
        Console.WriteLine($"   in-process, 1 thread:  {Measure.Format(one)}");
        var two = Measure.Run(2, seconds, (t, i) => search.Find(index, Q((t * 4096) + i), calendar));
        Console.WriteLine($"   in-process, 2 threads: {Measure.Format(two)}");

        if (pg is null)
        {
            Console.WriteLine("   PostGIS: skipped (no --pg connection string; bench/run-map.sh starts one)");
            return;
        }

        await using var data = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(pg) { MaxPoolSize = 32, NoResetOnClose = true }.ConnectionString);
        await Load(data, points);
        Throughput best = default;
        int postmaster;
        await using (var cmd = data.CreateCommand("select pg_backend_pid()"))
        {
            postmaster = ServerCpu.ParentOf((int)(await cmd.ExecuteScalarAsync())!);
        }

        foreach (var workers in new[] { 1, 4, 16 })
        {
            var serverBefore = ServerCpu.SecondsOfChildren(postmaster);
            var clientBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var t = await Measure.RunAsync(workers, seconds, async (_, i) =>
            {
                var o = origins[i & 8191];
                await using var cmd = data.CreateCommand("select code from map_point order by geom <-> st_setsrid(st_makepoint($1, $2), 4326) limit 5");
                cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = o.Lon });
                cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = o.Lat });
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                }
            });
            // CPU of this server's processes (postmaster's children) plus the client's: the fair unit on a shared box.
            var cpu = ServerCpu.SecondsOfChildren(postmaster) - serverBefore + (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalSeconds;
            t = t with { PerCpuSecond = t.Count / cpu };
            Console.WriteLine($"   PostGIS KNN (<-> GiST, k=5), {workers,2} connections: {Measure.Format(t)}");
            if (t.PerCpuSecond > best.PerCpuSecond)
            {
                best = t;
            }
        }

        Console.WriteLine($"   ratio in-process / PostGIS: {two.PerSecond / best.PerSecond:N1}× wall-clock (2 threads vs the best PostGIS run), " +
                          $"{two.PerCpuSecond / best.PerCpuSecond:N1}× per CPU-second   (target ≥ 10×); in-process p99 {one.P99Micros / 1000:N3} ms (target < 2 ms)");
    }

    /// <summary>CPU seconds (user + system) of a PostgreSQL server's processes, read from /proc.</summary>
    private static class ServerCpu
    {
        public static int ParentOf(int pid) => int.Parse(Fields(pid)[3], System.Globalization.CultureInfo.InvariantCulture);

        public static double SecondsOfChildren(int postmaster)
        {
            var ticks = 0L;
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                try
                {
                    var f = Fields(pid);
                    if (pid == postmaster || f[3] == postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        ticks += long.Parse(f[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(f[14], System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
                catch (IOException)
                {
                }
            }

            return ticks / 100.0; // USER_HZ
        }

        /// <summary>/proc/PID/stat fields, the command name (field 2, may contain spaces) collapsed to one.</summary>
        private static string[] Fields(int pid)
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var close = text.LastIndexOf(')');
            return [text[..text.IndexOf(' ', StringComparison.Ordinal)], "comm", .. text[(close + 2)..].Split(' ')];
        }
    }

    private static async Task Load(NpgsqlDataSource data, IReadOnlyList<TongBan.Grains.Halls.ServicePoint> points)
    {
        await using (var cmd = data.CreateCommand("""
            create extension if not exists postgis;
            drop table if exists map_point;
            create table map_point (code text primary key, geom geometry(Point, 4326) not null);
            """))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        await using (var cmd = data.CreateCommand("""
            insert into map_point (code, geom)
            select code, st_setsrid(st_makepoint(lon, lat), 4326) from unnest($1, $2, $3) as t (code, lon, lat)
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. points.Select(p => p.Code)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. points.Select(p => p.Location.Lon)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
            cmd.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. points.Select(p => p.Location.Lat)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
            await cmd.ExecuteNonQueryAsync();
        }

        await using (var cmd = data.CreateCommand("create index map_point_geom on map_point using gist (geom); analyze map_point;"))
        {
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
