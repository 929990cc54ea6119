using System.Text.RegularExpressions;
using Apmatrix.Hosting;
using Apmatrix.LoadTest;
using YamlDotNet.RepresentationModel;

namespace Apmatrix.Tools.Tests;

/// <summary>
/// No Docker engine runs here, so docker-compose.yml is checked by how it wires each service: its own broker user and
/// database role, a key for every service it calls that the called service admits under the caller's name, every
/// secret one that <c>scripts/servers.sh compose-secrets</c> writes, and nothing published beyond 127.0.0.1.
/// </summary>
public sealed partial class ComposeTests
{
    static readonly string Root = Repository.Root();
    static readonly YamlMappingNode Compose = Load();
    static readonly YamlMappingNode Services = (YamlMappingNode)Compose["services"];

    public static TheoryData<string> Apps => new() { "apbus", "vfioap", "guestvm", "dashboard" };

    [Theory]
    [InlineData("apbus")]
    [InlineData("vfioap")]
    [InlineData("guestvm")]
    public void Should_connect_each_service_as_its_own_broker_user_and_database_role(string service)
    {
        var secrets = SecretsOf(service);

        Assert.Equal($"{service}-rabbitmq", secrets["ConnectionStrings__RabbitMq"]);
        Assert.Equal($"{service}-postgres", secrets["ConnectionStrings__Postgres"]);
    }

    [Theory]
    [MemberData(nameof(Apps))]
    public void Should_give_every_client_a_role_and_a_key_hash(string service)
    {
        var roles = EnvironmentOf(service).Where(e => ClientSetting().IsMatch(e.Key))
            .ToDictionary(e => ClientSetting().Match(e.Key).Groups[1].Value, e => e.Value);
        var hashes = SecretsOf(service).Keys.Select(k => KeyHashTarget().Match(k)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.NotEmpty(roles);
        Assert.Equal(roles.Keys.Order(), hashes.Order());
        Assert.All(roles.Values, role => Assert.Contains(role, new[] { "viewer", "operator", "service" }));
    }

    [Theory]
    [MemberData(nameof(Apps))]
    public void Should_call_another_service_at_its_address_with_a_key_it_admits_under_the_callers_name(string caller)
    {
        var environment = EnvironmentOf(caller);
        foreach (var (target, source) in SecretsOf(caller).Where(s => ServiceKey().IsMatch(s.Key)))
        {
            var called = ServiceKey().Match(target).Groups[1].Value.ToLowerInvariant();
            Assert.Equal($"http://{called}:8080", environment[$"Services__{ServiceKey().Match(target).Groups[1].Value}"]);
            Assert.Equal($"{source}-sha256", SecretsOf(called).GetValueOrDefault($"Auth__Clients__{caller}__KeySha256"));
            Assert.Equal(caller == "dashboard" ? "viewer" : "service", EnvironmentOf(called)[$"Auth__Clients__{caller}__Role"]);
        }
    }

    [Fact]
    public void Should_take_every_secret_from_a_file_servers_sh_writes()
    {
        var declared = ((YamlMappingNode)Compose["secrets"]).Children.ToDictionary(
            c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)((YamlMappingNode)c.Value)["file"]).Value!);
        var written = Written();

        Assert.All(declared.Values, file => Assert.Contains(file, written));
        foreach (var service in Services.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!))
            Assert.All(SourcesOf(service), source => Assert.Contains(source, declared.Keys));
    }

    [Fact]
    public void Should_publish_ports_on_127_0_0_1_only()
    {
        var ports = Services.Children.Values.Cast<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey("ports"))
            .SelectMany(s => ((YamlSequenceNode)s["ports"]).Children.Cast<YamlScalarNode>().Select(p => p.Value!))
            .ToList();

        Assert.NotEmpty(ports);
        Assert.All(ports, port => Assert.StartsWith("127.0.0.1:", port));
    }

    [Theory]
    [InlineData("rabbitmq", "/var/lib/rabbitmq")]
    [InlineData("postgres", "/var/lib/postgresql/data")]
    public void Should_keep_each_servers_data_in_a_named_volume_and_publish_none_of_its_ports(string server, string dataDirectory)
    {
        var node = (YamlMappingNode)Services[server];
        var volumes = ((YamlSequenceNode)node["volumes"]).Children.Cast<YamlScalarNode>().Select(v => v.Value!.Split(':')).ToList();
        var named = ((YamlMappingNode)Compose["volumes"]).Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!).ToList();

        Assert.Contains(volumes, v => v[1] == dataDirectory && named.Contains(v[0]));
        Assert.False(node.Children.ContainsKey("ports"), $"{server} publishes ports that scripts/servers.sh's servers use too");
    }

    [Fact]
    public void Should_give_the_broker_a_fixed_hostname_so_a_new_container_finds_its_node_data()
    {
        Assert.Equal("rabbitmq", ((YamlScalarNode)((YamlMappingNode)Services["rabbitmq"])["hostname"]).Value);
    }

    [Fact]
    public void Should_restart_the_servers_as_the_services_and_wait_for_a_service_to_stop()
    {
        var service = (YamlMappingNode)Compose["x-service"];
        var grace = ((YamlScalarNode)service["stop_grace_period"]).Value!;

        // A daemon's restart brings back only what has a policy; the services would wait for servers that never came.
        Assert.All(new[] { service, (YamlMappingNode)Services["rabbitmq"], (YamlMappingNode)Services["postgres"] },
            node => Assert.Equal("unless-stopped", ((YamlScalarNode)node["restart"]).Value));
        Assert.Matches("^[0-9]+s$", grace);
        Assert.True(TimeSpan.FromSeconds(int.Parse(grace[..^1])) > ServiceDefaults.ShutdownTimeout, $"stop_grace_period {grace} cuts a stopping service short");
    }

    /// <summary>A service's environment: the shared one its anchor merges in, then its own.</summary>
    static Dictionary<string, string> EnvironmentOf(string service)
    {
        var environment = Mapping((YamlMappingNode)((YamlMappingNode)Compose["x-service"])["environment"]);
        foreach (var (key, value) in Mapping((YamlMappingNode)((YamlMappingNode)Services[service])["environment"]))
            environment[key] = value;
        return environment;
    }

    /// <summary>A service's secrets, target (the setting it becomes, a file in /run/secrets) to source.</summary>
    static Dictionary<string, string> SecretsOf(string service) =>
        Entries(service).ToDictionary(e => e.Target, e => e.Source);

    static IEnumerable<string> SourcesOf(string service) => Entries(service).Select(e => e.Source);

    static IEnumerable<(string Source, string Target)> Entries(string service)
    {
        var node = (YamlMappingNode)Services[service];
        if (!node.Children.ContainsKey("secrets")) yield break;
        foreach (var entry in ((YamlSequenceNode)node["secrets"]).Children)
            yield return entry is YamlScalarNode name
                ? (name.Value!, name.Value!)
                : (((YamlScalarNode)entry["source"]).Value!, ((YamlScalarNode)entry["target"]).Value!);
    }

    static Dictionary<string, string> Mapping(YamlMappingNode node) =>
        node.Children.Where(c => c.Value is YamlScalarNode && ((YamlScalarNode)c.Key).Value != "<<")
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!);

    /// <summary>The files <c>cmd_compose_secrets</c> writes, its loops over users and keys spelt out.</summary>
    static HashSet<string> Written()
    {
        var script = File.ReadAllText(Path.Combine(Root, "scripts", "servers.sh"));
        var function = script[script.IndexOf("cmd_compose_secrets() {", StringComparison.Ordinal)..];
        function = function[..function.IndexOf("\n}", StringComparison.Ordinal)];
        var users = Words(PgUsers().Match(script).Groups[1].Value);
        var keys = Words(KeyLoop().Match(function).Groups[1].Value);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match call in ComposeSecret().Matches(function))
        {
            var name = call.Groups[1].Value;
            IEnumerable<string> names = name.Contains("$user") ? users.Select(u => name.Replace("$user", u))
                : name.Contains("$key") ? keys.Select(k => name.Replace("$key", k))
                : [name];
            foreach (var file in names) written.Add($".secrets/compose/{file}");
        }
        return written;
    }

    static string[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    static YamlMappingNode Load()
    {
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        var yaml = new YamlStream();
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    [GeneratedRegex(@"^Auth__Clients__([a-z]+)__Role$")]
    private static partial Regex ClientSetting();

    [GeneratedRegex(@"^Auth__Clients__([a-z]+)__KeySha256$")]
    private static partial Regex KeyHashTarget();

    [GeneratedRegex(@"^Services__([A-Za-z]+)Key$")]
    private static partial Regex ServiceKey();

    [GeneratedRegex(@"^PG_USERS=\(([a-z ]+)\)", RegexOptions.Multiline)]
    private static partial Regex PgUsers();

    [GeneratedRegex(@"for key in ([a-z ]+); do")]
    private static partial Regex KeyLoop();

    [GeneratedRegex(@"compose_secret ""?([a-z0-9$.-]+)""?")]
    private static partial Regex ComposeSecret();
}
