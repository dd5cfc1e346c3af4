using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Infra.Core.Pki;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

/// <summary>A real etcd (Go's TLS stack, as in kubeadm's etcd) serving with the member certificates the tool makes.</summary>
public class EtcdTlsTests
{
    [RealToolFact("etcd", "etcdctl")]
    public void EtcdMember_ToolCertificates_ServeMutualTlsToTheToolAndApiServerClients()
    {
        var s = Pki.StackedSecrets;
        using var dir = new TempDir();
        var ca = dir.Write("ca.crt", s.EtcdCa.CertificatePem);
        string Pair(string name)
        {
            dir.Write(name.Replace('/', '_') + ".key", s.Issued[name].PrivateKeyPem);
            return dir.Write(name.Replace('/', '_') + ".crt", s.Issued[name].CertificatePem);
        }
        var server = Pair("etcd-server/cp-1");
        var peer = Pair("etcd-peer/cp-1");
        var clientPort = FreePort();
        var peerPort = FreePort();
        var psi = new ProcessStartInfo("etcd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--name", "cp-1", "--data-dir", Path.Combine(dir.Path, "data"),
            "--listen-client-urls", $"https://127.0.0.1:{clientPort}", "--advertise-client-urls", $"https://127.0.0.1:{clientPort}",
            "--listen-peer-urls", $"https://127.0.0.1:{peerPort}", "--initial-advertise-peer-urls", $"https://127.0.0.1:{peerPort}",
            "--initial-cluster", $"cp-1=https://127.0.0.1:{peerPort}",
            "--cert-file", server, "--key-file", server[..^4] + ".key", "--client-cert-auth", "--trusted-ca-file", ca,
            "--peer-cert-file", peer, "--peer-key-file", peer[..^4] + ".key", "--peer-client-cert-auth", "--peer-trusted-ca-file", ca,
        })
        {
            psi.ArgumentList.Add(a);
        }
        Process etcd;
        try { etcd = Process.Start(psi)!; }
        catch (Win32Exception) { Assert.Fail($"'etcd' is not installed: apt-get install {Tool.AptPackage("etcd")}"); throw; }
        using (etcd)
        {
            etcd.OutputDataReceived += (_, _) => { };
            etcd.ErrorDataReceived += (_, _) => { };
            etcd.BeginOutputReadLine();
            etcd.BeginErrorReadLine();
            try
            {
                ProcessResult Health(string client) => Tool.Run("etcdctl", "--endpoints", $"https://127.0.0.1:{clientPort}",
                    "--cacert", ca, "--cert", client, "--key", client[..^4] + ".key", "--command-timeout", "3s", "endpoint", "health");
                var infra = Pair(IssuedNames.InfraEtcdClient);
                var deadline = DateTime.UtcNow.AddSeconds(20);
                var r = Health(infra);
                while (r.ExitCode != 0 && DateTime.UtcNow < deadline && !etcd.HasExited)
                {
                    Thread.Sleep(200);
                    r = Health(infra);
                }
                Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
                Assert.Contains("is healthy", r.Stdout + r.Stderr, StringComparison.Ordinal);
                Assert.Equal(0, Health(Pair(IssuedNames.ApiServerEtcdClient)).ExitCode);
                Assert.Equal(0, Health(Pair(IssuedNames.EtcdHealthcheckClient)).ExitCode);
                // A certificate of the cluster CA is no etcd client.
                Assert.NotEqual(0, Health(Pair("kubelet-serving/cp-1")).ExitCode);
            }
            finally
            {
                etcd.Kill();
                etcd.WaitForExit();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
