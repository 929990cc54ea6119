using Apmatrix.Hosting;
using Microsoft.Extensions.Configuration;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Settings from a folder of secret files, as compose mounts them at /run/secrets.</summary>
public sealed class Secret_files : IDisposable
{
    readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("apmatrix-secrets-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Should_read_a_setting_from_the_file_named_by_its_key_over_the_command_line()
    {
        File.WriteAllText(Path.Combine(_folder.FullName, "ConnectionStrings__RabbitMq"), "amqp://vfioap:from-file@broker/apmatrix");

        var builder = ServiceDefaults.CreateServiceBuilder(typeof(Secret_files),
            [$"--{ServiceDefaults.SecretsDirectory}={_folder.FullName}", "--ConnectionStrings:RabbitMq=amqp://on-the-command-line"], null);

        Assert.Equal("amqp://vfioap:from-file@broker/apmatrix", builder.Configuration.GetConnectionString("RabbitMq"));
    }

    [Fact]
    public void Should_not_start_when_the_named_folder_is_missing()
    {
        var missing = Path.Combine(_folder.FullName, "absent");

        var refused = Assert.Throws<InvalidOperationException>(() =>
            ServiceDefaults.CreateServiceBuilder(typeof(Secret_files), [$"--{ServiceDefaults.SecretsDirectory}={missing}"], null));
        Assert.StartsWith($"{ServiceDefaults.SecretsDirectory}: folder", refused.Message);
    }

    [Fact]
    public void Should_read_no_folder_unless_one_is_named()
    {
        var builder = ServiceDefaults.CreateServiceBuilder(typeof(Secret_files), ["--ConnectionStrings:RabbitMq=amqp://on-the-command-line"], null);

        Assert.Equal("amqp://on-the-command-line", builder.Configuration.GetConnectionString("RabbitMq"));
    }
}
