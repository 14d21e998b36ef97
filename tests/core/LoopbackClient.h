#pragma once
// A client socket for the HTTP server tests, driven by the test's event loop (the server runs on the same
// thread): connects on construction, collects everything received, notices the server closing.
#include <QByteArray>
#include <QHostAddress>
#include <QTcpSocket>

#include "TestUtil.h"

namespace nd::test {

class LoopbackClient {
public:
    explicit LoopbackClient(quint16 port) {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket,
                         [this] { m_received += m_socket.readAll(); });
        QObject::connect(&m_socket, &QTcpSocket::connected, &m_socket, [this] { m_connected = true; });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] { m_closed = true; });
        waitUntil([this] { return m_connected; });
    }
    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    bool waitFor(const QByteArray &text, int count = 1) {
        return waitUntil([&] { return m_received.count(text) >= count; });
    }
    bool waitClosed() {
        return waitUntil([this] { return m_closed; });
    }
    bool closed() const { return m_closed; }
    const QByteArray &received() const { return m_received; }
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
    bool m_connected = false;
    bool m_closed = false;
};

}  // namespace nd::test
