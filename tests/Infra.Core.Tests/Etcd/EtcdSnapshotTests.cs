using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Infra.Core.Etcd;
using Infra.TestKit;

namespace Infra.Core.Tests.Etcd;

public class EtcdSnapshotTests
{
    /// <summary>A made-up snapshot: two bbolt-like pages (magic in the meta page) and the SHA-256 trailer.</summary>
    private static byte[] Snapshot(int pages = 2)
    {
        var db = new byte[4096 * pages];
        RandomNumberGenerator.Fill(db.AsSpan(32));
        db[16] = 0xED;
        db[17] = 0xDA;
        db[18] = 0x0C;
        db[19] = 0xED;
        return [.. db, .. SHA256.HashData(db)];
    }

    private static SnapshotCheck Verify(byte[] bytes) => EtcdSnapshot.Verify(new MemoryStream(bytes));

    [Fact]
    public void Verify_Intact_ValidWithSizeAndSha256()
    {
        var bytes = Snapshot();

        var c = Verify(bytes);

        Assert.True(c.Valid, c.Problem);
        Assert.Equal(bytes.Length, c.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), c.Sha256);
    }

    [Fact]
    public void Verify_OneFlippedByte_Corrupt()
    {
        var bytes = Snapshot();
        bytes[6000] ^= 1;

        var c = Verify(bytes);

        Assert.False(c.Valid);
        Assert.Contains("does not match the SHA-256 stored at the end", c.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Truncated_WrongSize()
    {
        var c = Verify(Snapshot()[..^100]);

        Assert.False(c.Valid);
        Assert.Contains("is not the size of an etcd snapshot", c.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_DatabaseWithoutTrailer_Refused() =>
        Assert.False(Verify(Snapshot()[..^32]).Valid);

    [Fact]
    public void Verify_NotABoltDatabase_Refused()
    {
        var bytes = Snapshot();
        bytes[16] = 0;
        Array.Copy(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)), 0, bytes, bytes.Length - 32, 32);

        Assert.Contains("does not start with an etcd (bbolt) database", Verify(bytes).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Empty_Refused() => Assert.Equal("the file is empty", Verify([]).Problem);

    [Fact]
    public void Verify_ReadInSmallChunks_SameAnswer()
    {
        var bytes = Snapshot(pages: 40);
        Assert.True(EtcdSnapshot.Verify(new BufferedStream(new MemoryStream(bytes), 7)).Valid);
    }

    /// <summary>A snapshot real etcd made (etcdctl snapshot save against a throwaway local member) verifies, and a flipped copy does not.</summary>
    [RealToolFact("etcd", "etcdctl")]
    public async Task Verify_SnapshotOfRealEtcd_ValidAndFlippedCopyCorrupt()
    {
        var dir = Directory.CreateTempSubdirectory("infra-etcd-snap-").FullName;
        var client = FreePort();
        var peer = FreePort();
        Process? etcd = null;
        try
        {
            etcd = Start("etcd", ["--name", "s", "--data-dir", Path.Combine(dir, "data"),
                "--listen-client-urls", $"http://127.0.0.1:{client}", "--advertise-client-urls", $"http://127.0.0.1:{client}",
                "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
                "--initial-cluster", $"s=http://127.0.0.1:{peer}"]);
            var endpoints = $"--endpoints=http://127.0.0.1:{client}";
            var watch = Stopwatch.StartNew();
            while (NodePrograms.Tool.Run("etcdctl", "etcd-client", [endpoints, "put", "k", "v"]).ExitCode != 0)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(120), "etcd did not start within 120 s");
                await Task.Delay(100);
            }
            var file = Path.Combine(dir, "s.db");
            var save = NodePrograms.Tool.Run("etcdctl", "etcd-client", [endpoints, "snapshot", "save", file]);
            Assert.True(save.ExitCode == 0, save.Output);

            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(Verify(bytes).Valid, Verify(bytes).Problem);
            bytes[bytes.Length / 2] ^= 0x5a;
            Assert.False(Verify(bytes).Valid);
        }
        finally
        {
            if (etcd is not null)
            {
                etcd.Kill();
                await etcd.WaitForExitAsync();
                etcd.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Process Start(string tool, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return p;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"'{tool}' is not installed; install it with: apt-get install etcd-server");
            throw;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
