using TongBan.Api.Security;
using TongBan.Silo.Hosting;
using YamlDotNet.RepresentationModel;

namespace TongBan.Api.Tests.Deployment;

/// <summary>No Docker engine runs here, so the compose file is checked by reading it against the options the program binds.</summary>
[Trait("Category", "Integration")]
public class ComposeFileTests
{
    private static readonly string Root = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TongBan.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TongBan.sln not found above the test output folder.");
    }

    private static YamlMappingNode LoadCompose()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        // YamlDotNet's representation model keeps merge keys (<<) as plain entries: resolve them here.
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var env = (YamlMappingNode)service.Children[new YamlScalarNode("environment")];
        foreach (var (key, value) in env.Children)
        {
            if (((YamlScalarNode)key).Value == "<<")
            {
                foreach (var (k, v) in (YamlMappingNode)value)
                {
                    result.TryAdd(((YamlScalarNode)k).Value!, ((YamlScalarNode)v).Value!);
                }
            }
            else
            {
                result[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value!;
            }
        }

        return result;
    }

    [Fact]
    public void Silo_services_use_only_configuration_names_the_program_reads()
    {
        var services = (YamlMappingNode)LoadCompose().Children[new YamlScalarNode("services")];
        var silos = services.Children.Where(s => ((YamlScalarNode)s.Key).Value!.StartsWith("silo", StringComparison.Ordinal)).ToList();
        Assert.True(silos.Count >= 3, "the production topology has three silos (as scripts/cluster.sh)");

        var siloProps = typeof(SiloOptions).GetProperties().Select(p => p.Name).ToHashSet();
        var authProps = typeof(AuthOptions).GetProperties().Select(p => p.Name).ToHashSet();
        var advertised = new HashSet<string>();
        foreach (var (name, node) in silos)
        {
            var env = Environment((YamlMappingNode)node);
            foreach (var key in env.Keys)
            {
                var parts = key.Split("__");
                var known = parts switch
                {
                    ["ConnectionStrings", SiloOptions.ConnectionStringName] => true,
                    ["TongBan", "Silo", var p] => siloProps.Contains(p),
                    ["TongBan", "Auth", var p] => authProps.Contains(p),
                    ["ASPNETCORE_URLS"] => true,
                    _ => false,
                };
                Assert.True(known, $"{((YamlScalarNode)name).Value}: {key} is not read by the program");
            }

            Assert.Contains("ConnectionStrings__TongBan", env.Keys);
            Assert.Contains("TongBan__Auth__SigningKey", env.Keys);
            Assert.True(advertised.Add(env["TongBan__Silo__AdvertisedAddress"]), "each silo advertises its own address");
            Assert.Equal("silo", ((YamlScalarNode)name).Value![..4]);
            Assert.Equal(((YamlScalarNode)name).Value, env["TongBan__Silo__AdvertisedAddress"]);
        }
    }

    [Fact]
    public void Postgres_service_has_a_health_check_that_silos_wait_for()
    {
        var services = (YamlMappingNode)LoadCompose().Children[new YamlScalarNode("services")];
        var postgres = (YamlMappingNode)services.Children[new YamlScalarNode("postgres")];
        Assert.True(postgres.Children.ContainsKey(new YamlScalarNode("healthcheck")));
        var text = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        Assert.Contains("condition: service_healthy", text, StringComparison.Ordinal);
        Assert.Contains("probe", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_copies_projects_that_exist_and_runs_the_silo()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(Root, "Dockerfile"));
        foreach (var line in dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            foreach (var source in line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            {
                Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"Dockerfile copies missing {source}");
            }
        }

        Assert.Contains(dockerfile, l => l.Contains("TongBan.Silo.dll", StringComparison.Ordinal) && l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
    }
}
